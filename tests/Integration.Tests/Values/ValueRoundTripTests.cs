using MessagePack;
using Statehouse.Client;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Values;

/// <summary>
/// The full write/read path of the documented value mapping: client → broker → worker → RocksDB → read reply → client.
/// The worker stores the exact bytes the client sent, so what comes back is decided by the serializer alone.
/// </summary>
public sealed class ValueRoundTripTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    private static readonly MessagePackSerializerOptions s_options = StatehouseClientOptions.DefaultValueSerializerOptions;

    private static readonly System.Reflection.MethodInfo s_write = typeof(StatehouseTransaction).GetMethod(nameof(StatehouseTransaction.Write))!;

    [Fact]
    public async Task GetStateAsync_EveryDocumentedValueType_ReadsBackAsDocumented()
    {
        var client = await StartWorkerAndClientAsync();
        var cases = ValueMapping.Cases;

        // A dictionary's values are written as object: it holds the cases documented for that (and "either way").
        var all = cases.Where(c => c.WrittenAs != ValueMapping.Writing.Typed).ToDictionary(c => c.Name, c => c.Written);
        await CommitAsync(client, tx =>
        {
            tx.Write("values", "all", all);
            foreach (var mapping in cases)
            {
                // tx.Write<T> with T the case's type (object for a boxed one), as user code with that static type would.
                s_write.MakeGenericMethod(mapping.SerializedAs).Invoke(tx, ["values", mapping.Name, mapping.Written]);
            }
        });

        var map = await client.GetStateAsync<Dictionary<string, object?>>("values", "all", ct: Ct);
        Assert.Equal(all.Keys.Order(), map.Value!.Keys.Order());
        foreach (var (name, _) in all)
        {
            ValueMapping.AssertSame(cases.Single(c => c.Name == name).AsObject, map.Value[name], $"all[{name}]");
        }

        foreach (var mapping in cases)
        {
            Assert.Contains(mapping.ReadmeLine, ValueMapping.ReadmeLines);
            var single = await client.GetStateAsync<object?>("values", mapping.Name, ct: Ct);
            Assert.True(single.Exists, mapping.Name);
            Assert.Equal(MessagePackSerializer.Serialize(mapping.SerializedAs, mapping.Written, s_options), single.RawValue!.Value.ToArray());
            ValueMapping.AssertSame(mapping.AsObject, single.Value, mapping.Name + " as object");
            ValueMapping.AssertSame(mapping.AsWritten, MessagePackSerializer.Deserialize(mapping.WrittenType, single.RawValue.Value, s_options), mapping.Name + " as " + mapping.WrittenType.Name);
        }
    }
}
