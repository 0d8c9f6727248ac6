using MqttHealth.Bench.Load.Report;

namespace MqttHealth.Bench.Tests;

/// <summary>bench/RESULTS.md: the comparison rewrites only its generated section and never half a file.</summary>
public sealed class ResultsFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mh-results-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Only_the_text_between_the_markers_is_replaced()
    {
        string path = Path.Combine(_directory, "RESULTS.md");
        File.WriteAllText(path, $"# Results\n\nhand-written before\n\n{ResultsFile.BeginMarker}\nold figures\n{ResultsFile.EndMarker}\n\nhand-written after\n");

        ResultsFile.WriteSection(path, "## new figures\n");

        string text = File.ReadAllText(path);
        Assert.Equal($"# Results\n\nhand-written before\n\n{ResultsFile.BeginMarker}\n## new figures\n{ResultsFile.EndMarker}\n\nhand-written after\n", text);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void A_file_without_the_markers_gets_the_section_appended_and_a_second_run_replaces_it()
    {
        string path = Path.Combine(_directory, "RESULTS.md");
        File.WriteAllText(path, "# Results\n\nmicro-benchmarks\n");

        ResultsFile.WriteSection(path, "first run");
        ResultsFile.WriteSection(path, "second run");

        string text = File.ReadAllText(path);
        Assert.StartsWith("# Results\n\nmicro-benchmarks\n\n" + ResultsFile.BeginMarker, text, StringComparison.Ordinal);
        Assert.Contains("second run", text, StringComparison.Ordinal);
        Assert.DoesNotContain("first run", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_with_only_one_marker_is_left_alone_with_an_error_that_says_so()
    {
        string path = Path.Combine(_directory, "RESULTS.md");
        string original = $"# Results\n{ResultsFile.BeginMarker}\nfigures, end marker deleted by hand\n";
        File.WriteAllText(path, original);

        var error = Assert.Throws<InvalidOperationException>(() => ResultsFile.WriteSection(path, "new"));

        Assert.Contains("only one of the generated section's markers", error.Message, StringComparison.Ordinal);
        Assert.Equal(original, File.ReadAllText(path));
    }
}
