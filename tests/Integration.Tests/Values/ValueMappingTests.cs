using MessagePack;
using Statehouse.Client;

namespace Statehouse.Integration.Tests.Values;

/// <summary>
/// The serializer half of the documented value mapping, without a broker: every case of <see cref="ValueMapping"/>
/// reads back as documented, and its line is in the client README's table.
/// </summary>
public sealed class ValueMappingTests
{
    private static readonly MessagePackSerializerOptions s_options = StatehouseClientOptions.DefaultValueSerializerOptions;

    public static TheoryData<string> CaseNames => [.. ValueMapping.Cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void DefaultValueSerializer_EachCase_ReadsBackAsDocumented(string name)
    {
        var mapping = ValueMapping.Cases.Single(c => c.Name == name);
        var bytes = MessagePackSerializer.Serialize(mapping.SerializedAs, mapping.Written, s_options);
        if (mapping.WrittenAs == ValueMapping.Writing.Either)
        {
            Assert.Equal(bytes, MessagePackSerializer.Serialize<object?>(mapping.Written, s_options));
        }

        ValueMapping.AssertSame(mapping.AsObject, MessagePackSerializer.Deserialize<object?>(bytes, s_options), name + " as object");
        ValueMapping.AssertSame(mapping.AsWritten, MessagePackSerializer.Deserialize(mapping.WrittenType, bytes, s_options), name + " as " + mapping.WrittenType.Name);
        Assert.Contains(mapping.ReadmeLine, ValueMapping.ReadmeLines);
    }

    [Fact]
    public void ClientReadme_ValueTable_HasNoUnpinnedRow()
    {
        var start = Array.IndexOf(ValueMapping.ReadmeLines, "| Written | Stored as (MessagePack) | Read as `object` | Read as the written type |");
        Assert.True(start >= 0, "src/Client/README.md lacks the value mapping table");
        var rows = ValueMapping.ReadmeLines.Skip(start + 2).TakeWhile(l => l.StartsWith('|')).ToList();

        Assert.Empty(rows.Except(ValueMapping.Cases.Select(c => c.ReadmeLine)));
    }
}
