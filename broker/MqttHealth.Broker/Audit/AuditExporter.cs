using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MqttHealth.Broker.Audit;

/*
 * JSON lines for a SIEM: one object per record, in sequence order, fields always present (null when absent):
 *   {"sequence":1,"time":"2026-11-21T14:13:00.000Z","kind":"Connect","principal":"...","clientId":"...",
 *    "remoteAddress":"...","topic":"...","payloadSize":12,"payloadSha256":"<hex>","detail":"...","leafHash":"<hex>"}
 * Export reads what is stored and does not verify it (run verify for that); a row whose bytes are not a
 * canonical record stops the export with an AuditException naming it.
 */
public static class AuditExporter
{
    /// <summary>Writes every record (at or after <paramref name="since"/>, when given) to <paramref name="output"/>; returns how many.</summary>
    /// <exception cref="AuditException">audit.db cannot be read or holds a malformed record.</exception>
    public static long Export(string dataDirectory, TextWriter output, DateTimeOffset? since = null)
    {
        using var connection = AuditDatabase.Open(Path.Combine(dataDirectory, AuditFiles.Database), readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, record, leaf FROM records WHERE time_unix_ms >= $since ORDER BY seq";
        command.Parameters.AddWithValue("$since", since?.ToUnixTimeMilliseconds() ?? long.MinValue);
        using var reader = command.ExecuteReader();
        var buffer = new ArrayBufferWriter<byte>();
        long count = 0;
        while (reader.Read())
        {
            var seq = reader.GetInt64(0);
            AuditRecord record;
            try
            {
                record = AuditRecordEncoding.Decode((byte[])reader.GetValue(1));
            }
            catch (FormatException ex)
            {
                throw new AuditException($"Audit record {seq} is not a canonical record ({ex.Message}); run 'audit verify'.", ex);
            }

            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteNumber("sequence", seq);
                json.WriteString("time", record.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                json.WriteString("kind", record.Kind.ToString());
                json.WriteString("principal", record.Principal);
                json.WriteString("clientId", record.ClientId);
                json.WriteString("remoteAddress", record.RemoteAddress);
                json.WriteString("topic", record.Topic);
                if (record.PayloadSize is { } size)
                {
                    json.WriteNumber("payloadSize", size);
                }
                else
                {
                    json.WriteNull("payloadSize");
                }

                json.WriteString("payloadSha256", record.PayloadSha256?.ToString());
                json.WriteString("detail", record.Detail);
                json.WriteString("leafHash", Convert.ToHexStringLower((byte[])reader.GetValue(2)));
                json.WriteEndObject();
            }

            output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
            output.Write('\n');
            count++;
        }

        return count;
    }
}
