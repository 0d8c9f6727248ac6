using MqttHealth.Broker.Security;

namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>A small hospital policy and principals for the unit tests.</summary>
public static class Policies
{
    public const string Hospital = """
        {
          // comments are allowed
          "admins": "admin",
          "roles": {
            "device": { "rules": [
              { "effect": "allow", "actions": ["publish"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/{attr:device}/+"] },
              { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/{attr:device}/cmd"] },
              { "effect": "allow", "actions": ["publish", "retain"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/{attr:device}/status"] },
              { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/{attr:device}/#"] }
            ] },
            "nurse": { "rules": [
              { "effect": "allow", "actions": ["subscribe"], "topics": ["mh/v1/{attr:facility}/{attr:unit}/#"] },
              { "effect": "deny", "actions": ["subscribe"], "topics": ["mh/v1/+/+/+/cmd"] },
              { "effect": "allow", "actions": ["publish"], "topics": ["users/{username}/notes", "clients/{clientid}/ping", "dev-{attr:device}-x/out"] }
            ] },
            "admin": { "rules": [
              { "effect": "allow", "actions": ["publish", "subscribe", "retain"], "topics": ["#"] }
            ] }
          }
        }
        """;

    public static Principal Device(string device = "dev42", string facility = "f1", string unit = "u1") =>
        new("device-" + device, PrincipalKind.Certificate, ["device"], new Dictionary<string, string> { ["facility"] = facility, ["unit"] = unit, ["device"] = device });

    public static Principal Nurse(string name = "alice", string unit = "u1") =>
        new(name, PrincipalKind.Password, ["nurse"], new Dictionary<string, string> { ["facility"] = "f1", ["unit"] = unit, ["device"] = "d1" });

    public static Principal WithRoles(string name, params string[] roles) =>
        new(name, PrincipalKind.Password, roles, new Dictionary<string, string>());
}
