namespace MqttHealth.Broker.Security.Authentication;

/// <summary>What the credentials of a CONNECT came to.</summary>
public enum AuthenticationOutcome
{
    /// <summary>No user name and no password: anonymous, allowed only with <c>--allow-anonymous</c>.</summary>
    NoCredentials,

    /// <summary>The credentials were checked and are good: <see cref="AuthenticationResult.Principal"/> is set.</summary>
    Authenticated,

    /// <summary>Unknown user, wrong password, or a password without a user name: CONNACK 0x86 / return code 4.</summary>
    Failed,

    /// <summary>An MQTT 5 Authentication Method the broker does not offer: CONNACK 0x8C.</summary>
    BadAuthenticationMethod,

    /// <summary>
    /// Proof without a user name or password that does not establish a principal (a client certificate that is revoked
    /// or names no usable identity): CONNACK 0x87 / return code 5.
    /// </summary>
    NotAuthorized,
}
