using System.Net;
using System.Security.Cryptography;

namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// Checks the user name and password of a CONNECT against the <see cref="UserStore"/>. Called by the engine on the
/// connection's read loop before the CONNECT is handled under the engine lock: a PBKDF2 check at the default
/// 600,000 iterations costs ~100 ms of CPU and must never hold the lock.
/// </summary>
/// <remarks>
/// <para>At most <see cref="MaximumConcurrentChecks"/> checks run at once (one per core by default); a flood of
/// CONNECTs queues here instead of taking every thread-pool thread. A queued check gives up when its connection
/// closes, which the engine's CONNECT timeout (10 s from the CONNECT's arrival) guarantees eventually.</para>
/// <para>An unknown user is checked against a dummy hash made with the configured iteration count, so the time a
/// refusal takes does not reveal whether the user exists. Every failure looks the same to the client; the log says
/// which it was.</para>
/// </remarks>
public sealed class ConnectAuthenticator : IDisposable
{
    private readonly UserStore _users;
    private readonly string _dummyHash;
    private readonly SemaphoreSlim _slots;
    private readonly ILogger _logger;

    public ConnectAuthenticator(UserStore users, PasswordHasher hasher, ILogger<ConnectAuthenticator> logger, int maximumConcurrentChecks = 0)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(hasher);
        ArgumentNullException.ThrowIfNull(logger);
        _users = users;
        _logger = logger;
        MaximumConcurrentChecks = maximumConcurrentChecks > 0 ? maximumConcurrentChecks : Environment.ProcessorCount;
        _slots = new SemaphoreSlim(MaximumConcurrentChecks, MaximumConcurrentChecks);
        _dummyHash = hasher.Hash(RandomNumberGenerator.GetBytes(16));
        AuthenticationLog.UsersLoaded(logger, users.FilePath, users.Users.Count, hasher.Iterations);
    }

    public int MaximumConcurrentChecks { get; }

    /// <summary>
    /// Checks the credentials of one CONNECT. No user name and no password: <see cref="AuthenticationResult.NoCredentials"/>
    /// (the engine decides whether anonymous access is allowed). A password without a user name (allowed on the wire
    /// by MQTT 5, 3.1.2.9) cannot be checked against anyone and fails. Throws <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> (the connection closing) fires while the check waits for its turn.
    /// </summary>
    public async ValueTask<AuthenticationResult> AuthenticateAsync(string? userName, ReadOnlyMemory<byte>? password, string connectionId, EndPoint? remote, CancellationToken cancellationToken)
    {
        if (userName is null)
        {
            if (password is null)
            {
                return AuthenticationResult.NoCredentials;
            }

            AuthenticationLog.Failed(_logger, connectionId, remote, string.Empty, "a password without a user name");
            return AuthenticationResult.Failed;
        }

        switch (_users.Refresh())
        {
            case UserStoreRefresh.Reloaded:
                AuthenticationLog.UsersReloaded(_logger, _users.FilePath, _users.Users.Count);
                break;
            case UserStoreRefresh.Failed:
                AuthenticationLog.UsersReloadFailed(_logger, _users.Users.Count, _users.LastError ?? "unknown error");
                break;
        }

        StoredUser? user = _users.Find(userName);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool valid;
        try
        {
            // Unknown user: the same work against a dummy hash, and the result is ignored.
            ReadOnlySpan<byte> secret = password is { } p ? p.Span : [];
            valid = PasswordHasher.Verify(secret, user?.PasswordHash ?? _dummyHash) && user is not null;
        }
        finally
        {
            _slots.Release();
        }

        if (!valid)
        {
            AuthenticationLog.Failed(_logger, connectionId, remote, userName, user is null ? "unknown user" : password is null ? "no password" : "wrong password");
            return AuthenticationResult.Failed;
        }

        AuthenticationLog.Succeeded(_logger, connectionId, remote, userName);
        return AuthenticationResult.Success(user!.ToPrincipal());
    }

    public void Dispose() => _slots.Dispose();
}
