using System.Buffers;

namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// What the users file accepts as user names, roles and attributes; checked when the file is read and when the
/// CLI writes it, so a policy never sees a value it cannot reason about.
/// </summary>
/// <remarks>
/// Attribute values are substituted into topic patterns by the authorization policy; a value containing a topic
/// level separator or a wildcard (<c>/ + #</c>) would widen those patterns, so such values are refused here.
/// </remarks>
public static class UserNames
{
    public const int MaximumNameLength = 256;

    public const int MaximumRoleLength = 64;

    public const int MaximumAttributeLength = 256;

    private static readonly SearchValues<char> RoleChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
    private static readonly SearchValues<char> AttributeKeyChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_-");

    /// <summary>1 to 256 characters, no control characters (MQTT user names are UTF-8 strings; U+0000 is not allowed there either).</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaximumNameLength || name.Any(char.IsControl))
        {
            return false;
        }

        // Well-formed surrogate pairs (characters outside the BMP) are fine; a lone surrogate is not UTF-8.
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Letters, digits, <c>. _ -</c>; starting with a letter or digit; up to 64 characters.</summary>
    public static bool IsValidRole(string? role) =>
        !string.IsNullOrEmpty(role) && role.Length <= MaximumRoleLength && char.IsAsciiLetterOrDigit(role[0]) && !role.AsSpan().ContainsAnyExcept(RoleChars);

    /// <summary>Lower-case letters, digits, <c>_ -</c>; starting with a letter; up to 64 characters.</summary>
    public static bool IsValidAttributeKey(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= MaximumRoleLength && char.IsAsciiLetterLower(key[0]) && !key.AsSpan().ContainsAnyExcept(AttributeKeyChars);

    /// <summary>1 to 256 characters, no control characters and none of <c>/ + #</c>.</summary>
    public static bool IsValidAttributeValue(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaximumAttributeLength && !value.Any(char.IsControl) && value.IndexOfAny(['/', '+', '#']) < 0;
}
