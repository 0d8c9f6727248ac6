namespace MqttHealth.Broker.Audit;

/// <summary>Settings of the audit trail (docs/audit.md).</summary>
public sealed class AuditOptions
{
    /// <summary>A signed checkpoint every this many records (it lands exactly on multiples of it).</summary>
    public int CheckpointInterval { get; set; } = 1000;

    /// <summary>A signed checkpoint at least this often while records keep arriving (and one at shutdown).</summary>
    public TimeSpan CheckpointPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Records waiting for the writer; when full, <see cref="AuditLog.AppendAsync"/> waits and <see cref="AuditLog.TryAppend"/> refuses.</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>Records older than this are pruned (whole prefixes up to a checkpoint); 2,191 days is six years. 0 keeps everything.</summary>
    public int RetentionDays { get; set; } = 2191;

    internal void Validate()
    {
        if (CheckpointInterval < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointInterval), CheckpointInterval, "The audit checkpoint interval must be at least 1 record.");
        }

        if (CheckpointPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointPeriod), CheckpointPeriod, "The audit checkpoint period must be positive.");
        }

        if (QueueCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueCapacity), QueueCapacity, "The audit queue capacity must be at least 1.");
        }

        if (RetentionDays < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RetentionDays), RetentionDays, "The audit retention cannot be negative.");
        }
    }
}
