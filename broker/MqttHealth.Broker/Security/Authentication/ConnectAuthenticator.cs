using System.Net;
using System.Security.Cryptography;
using MqttHealth.Broker.Security.Authentication.Tokens;

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
/// <para>A failed check starts a back-off for the user name and the source address (<see cref="AuthFailureBackoff"/>);
/// while either backs off, an attempt is refused with the same <see cref="AuthenticationResult.Failed"/> without
/// running PBKDF2 (log event 5006). The refusal is immediate: matching the time of a real check would cost the CPU
/// the back-off is there to save, or hold the connection open, and the speed reveals only that the key is backing
/// off, not whether the password or the user was right. The back-off is checked before waiting for a turn and
/// again once the turn has come, so a burst of parallel guesses queued behind the gate is refused after the first
/// failure instead of each running a check; at most <see cref="MaximumConcurrentChecks"/> guesses for one key can
/// be in flight before a failure is recorded.</para>
/// </remarks>
public sealed class ConnectAuthenticator : IDisposable
{
    private readonly UserStore _users;
    private readonly string _dummyHash;
    private readonly SemaphoreSlim _slots;
    private readonly ILogger _logger;
    private readonly PasswordVerifier _verify;

    /// <param name="users">The users file.</param>
    /// <param name="hasher">Makes the dummy hash for unknown users with the configured iteration count.</param>
    /// <param name="logger">Authentication events, 5001-5099.</param>
    /// <param name="maximumConcurrentChecks">PBKDF2 checks at once; one per core when 0.</param>
    /// <param name="backoff">The failure back-off; <see cref="AuthFailureBackoff.Default"/> (system clock) when null.</param>
    public ConnectAuthenticator(UserStore users, PasswordHasher hasher, ILogger<ConnectAuthenticator> logger, int maximumConcurrentChecks = 0, AuthFailureBackoff? backoff = null)
        : this(users, hasher, logger, maximumConcurrentChecks, backoff, PasswordHasher.Verify)
    {
    }

    /// <summary>With the password check replaced, so tests can count how often PBKDF2 would run.</summary>
    internal ConnectAuthenticator(UserStore users, PasswordHasher hasher, ILogger<ConnectAuthenticator> logger, int maximumConcurrentChecks, AuthFailureBackoff? backoff, PasswordVerifier verify)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(hasher);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(verify);
        _users = users;
        _logger = logger;
        _verify = verify;
        Backoff = backoff ?? AuthFailureBackoff.Default();
        MaximumConcurrentChecks = maximumConcurrentChecks > 0 ? maximumConcurrentChecks : Environment.ProcessorCount;
        _slots = new SemaphoreSlim(MaximumConcurrentChecks, MaximumConcurrentChecks);
        _dummyHash = hasher.Hash(RandomNumberGenerator.GetBytes(16));
        AuthenticationLog.UsersLoaded(logger, users.FilePath, users.Users.Count, hasher.Iterations);
    }

    /// <summary>Checks a password against a stored hash string (<see cref="PasswordHasher.Verify"/>).</summary>
    internal delegate bool PasswordVerifier(ReadOnlySpan<byte> password, string stored);

    public int MaximumConcurrentChecks { get; }

    /// <summary>JWT bearer tokens (as the password or with the Authentication Method <c>JWT</c>); null when off.</summary>
    public TokenAuthenticator? Tokens { get; init; }

    /// <summary>Client certificates as identities; null: a certificate alone is no credential (<see cref="AuthenticationResult.NoCredentials"/>).</summary>
    public CertificateAuthenticator? Certificates { get; init; }

    public AuthFailureBackoff Backoff { get; }

    /// <summary>
    /// Checks what one CONNECT offers as proof of identity, in this order. With <see cref="Tokens"/>: the Authentication
    /// Method <c>JWT</c> checks the Authentication Data as a token, and a password shaped like a token
    /// (<see cref="TokenAuthenticator.LooksLikeToken"/>) is checked as a token, never as a password. Another MQTT 5
    /// Authentication Method: <see cref="AuthenticationResult.BadAuthenticationMethod"/>. A user name or a password: the
    /// password check (<see cref="AuthenticateAsync(string?, ReadOnlyMemory{byte}?, string, EndPoint?, CancellationToken)"/>),
    /// even on a connection with a client certificate: credentials that are given are checked as credentials. Neither,
    /// with a client certificate and <see cref="Certificates"/> set: the certificate is the identity. Nothing:
    /// <see cref="AuthenticationResult.NoCredentials"/>.
    /// </summary>
    public ValueTask<AuthenticationResult> AuthenticateAsync(ConnectCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (Tokens is not null)
        {
            // A token as the MQTT 5 Authentication Data, or as the password (any version): the user name is then
            // ignored for identity (docs/authentication.md), and a password shaped like a token is never a password.
            if (credentials.AuthenticationMethod == TokenAuthenticator.AuthenticationMethod)
            {
                ReadOnlySpan<byte> data = credentials.AuthenticationData is { } d ? d.Span : [];
                return ValueTask.FromResult(Tokens.Authenticate(data, "method " + TokenAuthenticator.AuthenticationMethod, credentials.ConnectionId, credentials.Remote));
            }

            if (credentials.AuthenticationMethod is null && credentials.Password is { } password && TokenAuthenticator.LooksLikeToken(password.Span))
            {
                return ValueTask.FromResult(Tokens.Authenticate(password.Span, "password", credentials.ConnectionId, credentials.Remote));
            }
        }

        if (credentials.AuthenticationMethod is { } method)
        {
            AuthenticationLog.Failed(_logger, credentials.ConnectionId, credentials.Remote, credentials.UserName ?? string.Empty, $"authentication method '{method}' is not offered");
            return ValueTask.FromResult(AuthenticationResult.BadAuthenticationMethod);
        }

        if (credentials is { UserName: null, Password: null, ClientCertificate: { } certificate } && Certificates is { } certificates)
        {
            return ValueTask.FromResult(certificates.Authenticate(certificate, credentials.ConnectionId, credentials.Remote));
        }

        return AuthenticateAsync(credentials.UserName, credentials.Password, credentials.ConnectionId, credentials.Remote, cancellationToken);
    }

    /// <summary>
    /// Checks the user name and password of one CONNECT. No user name and no password: <see cref="AuthenticationResult.NoCredentials"/>
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

        AuthenticationLog.RefreshUsers(_logger, _users);

        if (RefusedByBackoff(userName, connectionId, remote))
        {
            return AuthenticationResult.Failed;
        }

        StoredUser? user = _users.Find(userName);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool valid;
        try
        {
            // Again now that this check has its turn: guesses queued behind the gate meanwhile may have failed.
            if (RefusedByBackoff(userName, connectionId, remote))
            {
                return AuthenticationResult.Failed;
            }

            // Unknown user: the same work against a dummy hash, and the result is ignored.
            ReadOnlySpan<byte> secret = password is { } p ? p.Span : [];
            // A certificate entry has no password: the same work against the dummy hash, and refused.
            valid = _verify(secret, user is { IsCertificate: false } ? user.PasswordHash : _dummyHash) && user is { IsCertificate: false };

            // Recorded before the turn is handed on, so the next queued check sees this failure.
            if (valid)
            {
                Backoff.RecordSuccess(userName);
            }
            else
            {
                Backoff.RecordFailure(userName, remote);
            }
        }
        finally
        {
            _slots.Release();
        }

        if (!valid)
        {
            AuthenticationLog.Failed(_logger, connectionId, remote, userName, user is null ? "unknown user" : user.IsCertificate ? "a certificate entry cannot log in with a password" : password is null ? "no password" : "wrong password");
            return AuthenticationResult.Failed;
        }

        AuthenticationLog.Succeeded(_logger, connectionId, remote, userName);
        return AuthenticationResult.Success(user!.ToPrincipal());
    }

    /// <summary>
    /// MQTT 5 re-authentication (§4.12.1): checks the AUTH packet's Authentication Data with its method. A method the
    /// broker does not offer for re-authentication: <see cref="AuthenticationResult.BadAuthenticationMethod"/>.
    /// </summary>
    public AuthenticationResult Reauthenticate(string method, ReadOnlyMemory<byte>? data, string connectionId, EndPoint? remote)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (Tokens is null || method != TokenAuthenticator.AuthenticationMethod)
        {
            return AuthenticationResult.BadAuthenticationMethod;
        }

        return Tokens.Authenticate(data is { } d ? d.Span : [], "re-authentication", connectionId, remote);
    }

    public void Dispose() => _slots.Dispose();

    private bool RefusedByBackoff(string userName, string connectionId, EndPoint? remote)
    {
        if (!Backoff.IsBackingOff(userName, remote, out string? key, out TimeSpan remaining))
        {
            return false;
        }

        AuthenticationLog.BackingOff(_logger, connectionId, remote, userName, key!, remaining);
        return true;
    }
}
