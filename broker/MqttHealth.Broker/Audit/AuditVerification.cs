using System.Globalization;

namespace MqttHealth.Broker.Audit;

/// <summary>The outcome of <see cref="AuditVerifier.Verify"/>.</summary>
/// <param name="IsValid">Every check passed.</param>
/// <param name="RecordCount">Records present (after the pruned prefix).</param>
/// <param name="PrunedThrough">The pruned prefix: records 1 to this were removed by retention (0 when none).</param>
/// <param name="LastSequence">The last record verified (equals the tree size when valid).</param>
/// <param name="CheckpointCount">Checkpoints in the database.</param>
/// <param name="FirstBadSequence">The first record that is missing, modified, forged or out of place, when one can be named.</param>
/// <param name="BadCheckpointTreeSize">The checkpoint concerned, when the problem is (also) a checkpoint.</param>
/// <param name="Problem">What is wrong, in words; null when valid.</param>
public sealed record AuditVerification(
    bool IsValid,
    long RecordCount,
    long PrunedThrough,
    long LastSequence,
    int CheckpointCount,
    long? FirstBadSequence,
    long? BadCheckpointTreeSize,
    string? Problem)
{
    public override string ToString() => IsValid
        ? string.Create(CultureInfo.InvariantCulture, $"audit log ok: {RecordCount} records ({PrunedThrough + 1}..{LastSequence}), {CheckpointCount} checkpoints, pruned through {PrunedThrough}")
        : FirstBadSequence is { } sequence
            ? string.Create(CultureInfo.InvariantCulture, $"audit log INVALID at record {sequence}: {Problem}")
            : $"audit log INVALID: {Problem}";
}
