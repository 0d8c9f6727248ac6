using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using MqttHealth.Broker.Security.Authentication;
using MqttHealth.Broker.Tests.Infrastructure;

namespace MqttHealth.Broker.Tests.Security.Authentication;

/// <summary>
/// The authentication failure back-off, through <see cref="ConnectAuthenticator"/> with a manual clock and a password
/// check that counts how often it runs (each run stands for one PBKDF2 derivation).
/// </summary>
public sealed class AuthFailureBackoffTests : IDisposable
{
    private static readonly IPEndPoint A = new(IPAddress.Parse("10.0.0.1"), 50001);
    private static readonly IPEndPoint B = new(IPAddress.Parse("10.0.0.2"), 50002);
    private static readonly IPEndPoint C = new(IPAddress.Parse("10.0.0.3"), 50003);

    private readonly TempDataDirectory _data = new();
    private readonly ManualTimeProvider _clock = new();
    private readonly CapturingLogger _log = new();
    private readonly UserStore _users;
    private int _checks;
    private ConnectAuthenticator? _authenticator;

    public AuthFailureBackoffTests()
    {
        var hasher = new PasswordHasher(1000);
        string path = Path.Combine(_data.Path, UserStore.DefaultFileName);
        UserStore.Save(path,
        [
            new StoredUser("alice", hasher.Hash("alice-pw"u8), [], new Dictionary<string, string>()),
            new StoredUser("bob", hasher.Hash("bob-pw"u8), [], new Dictionary<string, string>()),
        ]);
        _users = UserStore.Open(path);
    }

    private ConnectAuthenticator Authenticator => _authenticator ??= Create(new AuthFailureBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), _clock));

    public void Dispose()
    {
        _authenticator?.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task RightPasswordInsideTheBackoff_IsRefusedWithoutACheck_AndAcceptedAfterTheDelay()
    {
        Assert.Equal(AuthenticationOutcome.Failed, (await TryAsync("alice", "guess-1", A)).Outcome);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AuthenticationOutcome.Failed, (await TryAsync("alice", "guess-2", A)).Outcome);
        Assert.Equal(2, _checks);

        _clock.Advance(TimeSpan.FromSeconds(1.999)); // the second failure's delay is 2 s
        AuthenticationResult refused = await TryAsync("alice", "alice-pw", A);

        Assert.Same(AuthenticationResult.Failed, refused); // exactly what a wrong password gets
        Assert.Equal(2, _checks); // no PBKDF2 for the refusal

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        AuthenticationResult accepted = await TryAsync("alice", "alice-pw", A);

        Assert.Equal(AuthenticationOutcome.Authenticated, accepted.Outcome);
        Assert.Equal("alice", accepted.Principal!.Name);
        Assert.Equal(3, _checks);
    }

    [Fact]
    public async Task Delay_DoublesPerFailure_AndIsCappedAtTheMaximum()
    {
        var authenticator = Create(new AuthFailureBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), _clock));
        var observed = new List<TimeSpan>();
        for (int failure = 1; failure <= 6; failure++)
        {
            await authenticator.AuthenticateAsync("alice", Encoding.UTF8.GetBytes("guess"), "c", A, CancellationToken.None);
            Assert.True(authenticator.Backoff.IsBackingOff("alice", null, out _, out TimeSpan remaining));
            observed.Add(remaining);
            _clock.Advance(remaining);
            Assert.False(authenticator.Backoff.IsBackingOff("alice", A, out _, out _));
        }

        Assert.Equal([1.0, 2.0, 4.0, 8.0, 10.0, 10.0], observed.Select(d => d.TotalSeconds));
        Assert.Equal(6, _checks);
    }

    [Fact]
    public void DelayAfter_IsBaseTimesTwoToTheFailuresMinusOne_CappedWithoutOverflow()
    {
        var backoff = new AuthFailureBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), _clock);

        Assert.Equal(TimeSpan.Zero, backoff.DelayAfter(0));
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.DelayAfter(1));
        Assert.Equal(TimeSpan.FromSeconds(256), backoff.DelayAfter(9));
        Assert.Equal(TimeSpan.FromMinutes(5), backoff.DelayAfter(10));
        Assert.Equal(TimeSpan.FromMinutes(5), backoff.DelayAfter(int.MaxValue));
    }

    [Fact]
    public async Task SameUserFromAnotherAddress_IsRefused()
    {
        await TryAsync("alice", "guess", A);

        Assert.Same(AuthenticationResult.Failed, await TryAsync("alice", "alice-pw", B));
        Assert.Equal(1, _checks);
    }

    [Fact]
    public async Task AnotherUserFromTheSameAddress_IsRefused_AnotherUserFromElsewhereIsNot()
    {
        await TryAsync("alice", "guess", A);

        Assert.Same(AuthenticationResult.Failed, await TryAsync("bob", "bob-pw", A));
        Assert.Equal(AuthenticationOutcome.Authenticated, (await TryAsync("bob", "bob-pw", B)).Outcome);
        Assert.Equal(2, _checks);
    }

    [Fact]
    public async Task UnknownUser_BacksOffLikeAKnownOne()
    {
        await TryAsync("mallory", "guess", A);

        Assert.Same(AuthenticationResult.Failed, await TryAsync("mallory", "guess", B));
        Assert.Equal(1, _checks);
    }

    [Fact]
    public async Task Success_ResetsTheUserNamesCount_ButNotTheAddresss()
    {
        await TryAsync("alice", "guess", A);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await TryAsync("alice", "guess", B); // alice: 2 failures
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(AuthenticationOutcome.Authenticated, (await TryAsync("alice", "alice-pw", A)).Outcome);

        await TryAsync("alice", "guess", C); // alice starts again: 1 failure, 1 s; address A is untouched by this

        Assert.True(Authenticator.Backoff.IsBackingOff("alice", null, out string? key, out TimeSpan remaining));
        Assert.Equal("user alice", key);
        Assert.Equal(TimeSpan.FromSeconds(1), remaining);

        await TryAsync("bob", "guess", A); // A had 1 failure before alice's success: now 2, so 2 s

        Assert.True(Authenticator.Backoff.IsBackingOff("nobody-else", A, out key, out remaining));
        Assert.Equal("address 10.0.0.1", key);
        Assert.Equal(TimeSpan.FromSeconds(2), remaining);
    }

    [Fact]
    public async Task KeyWithNoFailureForFifteenMinutes_IsForgotten()
    {
        await TryAsync("alice", "guess", A);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await TryAsync("alice", "guess", A);
        _clock.Advance(TimeSpan.FromSeconds(2));
        await TryAsync("alice", "guess", A); // 3 failures: 4 s
        Assert.Equal(2, Authenticator.Backoff.TrackedKeys);

        _clock.Advance(AuthFailureBackoff.ForgetAfter - TimeSpan.FromSeconds(1));
        Assert.False(Authenticator.Backoff.IsBackingOff("alice", A, out _, out _));
        Assert.Equal(2, Authenticator.Backoff.TrackedKeys); // not yet

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(Authenticator.Backoff.IsBackingOff("alice", A, out _, out _));
        Assert.Equal(0, Authenticator.Backoff.TrackedKeys);

        await TryAsync("alice", "guess", A); // counted from one again

        Assert.True(Authenticator.Backoff.IsBackingOff("alice", A, out _, out TimeSpan remaining));
        Assert.Equal(TimeSpan.FromSeconds(1), remaining);
    }

    [Fact]
    public void TrackedKeys_NeverExceedTheCap_TheOldestFailureIsEvicted()
    {
        var backoff = new AuthFailureBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), _clock, maximumKeys: 10);

        for (int i = 0; i < 1000; i++)
        {
            backoff.RecordFailure($"user-{i}", new IPEndPoint(new IPAddress(0x0A000000 + i), 1883));
            _clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(backoff.TrackedKeys <= 10);
        }

        Assert.Equal(10, backoff.TrackedKeys);
        Assert.True(backoff.IsBackingOff("user-999", null, out _, out _)); // the newest are kept
        Assert.False(backoff.IsBackingOff("user-990", null, out _, out _)); // the oldest are gone
    }

    [Fact]
    public async Task ParallelGuessesQueuedBehindTheGate_OnlyTheFirstRunsACheck()
    {
        using var entered = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        int checks = 0;
        using var authenticator = new ConnectAuthenticator(_users, new PasswordHasher(1000), _log, 1, new AuthFailureBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), _clock), (password, stored) =>
        {
            Interlocked.Increment(ref checks);
            entered.Release();
            Assert.True(release.Wait(TimeSpan.FromSeconds(10)));
            return PasswordHasher.Verify(password, stored);
        });

        Task<AuthenticationResult> first = Task.Run(() => authenticator.AuthenticateAsync("alice", Encoding.UTF8.GetBytes("guess-0"), "c0", A, CancellationToken.None).AsTask());
        Assert.True(await entered.WaitAsync(TimeSpan.FromSeconds(10))); // the first holds the only turn
        var queued = Enumerable.Range(1, 8)
            .Select(i => authenticator.AuthenticateAsync("alice", Encoding.UTF8.GetBytes($"guess-{i}"), $"c{i}", i % 2 == 0 ? A : B, CancellationToken.None).AsTask())
            .ToList();
        Assert.All(queued, t => Assert.False(t.IsCompleted));

        release.Release();
        AuthenticationResult[] results = await Task.WhenAll([first, .. queued]).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(results, r => Assert.Same(AuthenticationResult.Failed, r));
        Assert.Equal(1, checks);
    }

    [Fact]
    public async Task Refusal_IsLoggedAs5006WithTheKeyAndTheRemainingTime_NeverThePassword()
    {
        await TryAsync("alice", "guess", A);
        _clock.Advance(TimeSpan.FromMilliseconds(250));

        await TryAsync("alice", "alice-pw", B);

        (EventId id, string message) = Assert.Single(_log.Entries, e => e.Id.Id == 5006);
        Assert.Contains("user alice", message, StringComparison.Ordinal);
        Assert.Contains("00:00:00.75", message, StringComparison.Ordinal);
        Assert.Equal("BackingOff", id.Name);
        Assert.DoesNotContain(_log.Entries, e => e.Message.Contains("alice-pw", StringComparison.Ordinal) || e.Message.Contains("guess", StringComparison.Ordinal));
    }

    [Fact]
    public void Ipv4MappedIpv6Address_SharesTheIpv4AddressesKey()
    {
        var backoff = new AuthFailureBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), _clock);

        backoff.RecordFailure("alice", new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.1"), 1));

        Assert.True(backoff.IsBackingOff("bob", A, out string? key, out _));
        Assert.Equal("address 10.0.0.1", key);
    }

    [Fact]
    public void OverlongUserNames_AreKeyedByTheirStart_AndNeverAsAUserOfMaximumLength()
    {
        var backoff = new AuthFailureBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), _clock);
        string longest = new('x', UserNames.MaximumNameLength);

        backoff.RecordFailure(longest + "-first", null);

        Assert.True(backoff.IsBackingOff(longest + "-second", null, out _, out _));
        Assert.False(backoff.IsBackingOff(longest, null, out _, out _));
        Assert.Equal(1, backoff.TrackedKeys);
    }

    [Fact]
    public async Task ZeroBase_TurnsTheBackoffOff()
    {
        var authenticator = Create(new AuthFailureBackoff(TimeSpan.Zero, TimeSpan.FromMinutes(5), _clock));

        await authenticator.AuthenticateAsync("alice", Encoding.UTF8.GetBytes("guess"), "c", A, CancellationToken.None);
        AuthenticationResult result = await authenticator.AuthenticateAsync("alice", Encoding.UTF8.GetBytes("alice-pw"), "c", A, CancellationToken.None);

        Assert.Equal(AuthenticationOutcome.Authenticated, result.Outcome);
        Assert.Equal(0, authenticator.Backoff.TrackedKeys);
    }

    [Fact]
    public void Constructor_NegativeBaseOrMaximumBelowBase_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuthFailureBackoff(TimeSpan.FromSeconds(-1), TimeSpan.FromMinutes(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuthFailureBackoff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AuthFailureBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), maximumKeys: 0));
    }

    private ValueTask<AuthenticationResult> TryAsync(string user, string password, EndPoint remote) =>
        Authenticator.AuthenticateAsync(user, Encoding.UTF8.GetBytes(password), "conn", remote, CancellationToken.None);

    private ConnectAuthenticator Create(AuthFailureBackoff backoff)
    {
        _authenticator?.Dispose();
        _authenticator = new ConnectAuthenticator(_users, new PasswordHasher(1000), _log, 4, backoff, (password, stored) =>
        {
            Interlocked.Increment(ref _checks);
            return PasswordHasher.Verify(password, stored);
        });
        return _authenticator;
    }

    private sealed class CapturingLogger : ILogger<ConnectAuthenticator>
    {
        private readonly Lock _lock = new();
        private readonly List<(EventId Id, string Message)> _entries = [];

        public IReadOnlyList<(EventId Id, string Message)> Entries
        {
            get
            {
                lock (_lock)
                {
                    return [.. _entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lock)
            {
                _entries.Add((eventId, formatter(state, exception)));
            }
        }
    }
}
