namespace MqttHealth.Payloads.Keys;

/// <summary>
/// The names that go into certificates and topics: principal names, facilities and units. One rule for all:
/// 1 to 64 characters of ASCII letters, digits, '.', '_' and '-', starting with a letter or digit. That keeps them
/// valid in a URN (<c>urn:mqtthealth:{role}:{name}</c>), in an MQTT topic level (no '/', '+', '#') and in the
/// broker's policy placeholders.
/// </summary>
public static class PrincipalNames
{
    public const int MaximumLength = 64;

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaximumLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> when <paramref name="name"/> is not valid.</summary>
    public static void Validate(string? name, string what, string parameterName)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"invalid {what} '{name}': 1 to {MaximumLength} characters of letters, digits, '.', '_' and '-', starting with a letter or digit", parameterName);
        }
    }

    /// <summary>The SAN URI of a principal: <c>urn:mqtthealth:{role}:{name}</c>.</summary>
    public static string Urn(KeyRole role, string name) => $"urn:mqtthealth:{KeyRoles.ToName(role)}:{name}";
}

/// <summary>Topics of the key lifecycle.</summary>
public static class KeyTopics
{
    /// <summary>The retained epoch announcement topic of a sender: <c>mh/v1/{facility}/{unit}/{device}/keys</c>.</summary>
    public static string Announcement(string facility, string unit, string device)
    {
        PrincipalNames.Validate(facility, "facility", nameof(facility));
        PrincipalNames.Validate(unit, "unit", nameof(unit));
        PrincipalNames.Validate(device, "device", nameof(device));
        return $"mh/v1/{facility}/{unit}/{device}/keys";
    }
}
