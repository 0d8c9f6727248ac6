using Microsoft.Extensions.Logging.Abstractions;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Storage;

namespace MqttHealth.Broker.Tests.Storage;

public sealed class BrokerStoreFactoryTests : IDisposable
{
    private readonly StorageTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("SQLite")]
    public void Create_Sqlite_OpensDatabaseInDataDirectory(string storage)
    {
        using var store = BrokerStoreFactory.Create(new BrokerOptions { DataDirectory = _directory.Path, Storage = storage }, NullLoggerFactory.Instance);

        var sqlite = Assert.IsType<SqliteBrokerStore>(store);
        Assert.Equal(_directory.DatabasePath, sqlite.DatabasePath);
        Assert.True(File.Exists(_directory.DatabasePath));
    }

    [Fact]
    public void Create_Defaults_IsSqlite()
    {
        Assert.Equal("sqlite", new BrokerOptions().Storage);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("MEMORY")]
    public void Create_Memory_WritesNothing(string storage)
    {
        using var store = BrokerStoreFactory.Create(new BrokerOptions { DataDirectory = _directory.Path, Storage = storage }, NullLoggerFactory.Instance);

        Assert.IsType<InMemoryBrokerStore>(store);
        Assert.False(Directory.Exists(_directory.Path));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("")]
    [InlineData(" sqlite")]
    public void Create_UnknownMode_ThrowsListingValidValues(string storage)
    {
        var error = Assert.Throws<BrokerStoreException>(() =>
            BrokerStoreFactory.Create(new BrokerOptions { DataDirectory = _directory.Path, Storage = storage }, NullLoggerFactory.Instance));

        Assert.Contains($"'{storage}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'sqlite'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'memory'", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory.Path));
    }
}
