using System.Collections;

namespace Statehouse.Integration.Tests.Values;

/// <summary>
/// The value mapping documented in <c>src/Client/README.md</c> ("What comes back"): each case is a value written with
/// the client's default <c>ValueSerializerOptions</c>, what reading it as <c>object</c> gives, what reading it as the
/// written type gives, and the README table line that documents it (several cases may share one line).
/// </summary>
public static class ValueMapping
{
    /// <summary>How a case's value is serialized.</summary>
    public enum Writing
    {
        /// <summary>With its own type: <c>Write(agent, key, 100)</c>, typed properties, <c>List&lt;int&gt;</c>.</summary>
        Typed,

        /// <summary>As <c>object</c>: values of <c>Dictionary&lt;string, object&gt;</c>, <c>List&lt;object&gt;</c>, <c>Write&lt;object&gt;</c>.</summary>
        Boxed,

        /// <summary>Either way: both give the same bytes.</summary>
        Either,
    }

    /// <summary>One documented case. <see cref="AsWritten"/> is read with <see cref="WrittenType"/>.</summary>
    public sealed record Case(string Name, string ReadmeLine, Type WrittenType, object? Written, object? AsObject, object? AsWritten, Writing WrittenAs = Writing.Either)
    {
        /// <summary>The type the serializer is given: <c>object</c> for a boxed case.</summary>
        public Type SerializedAs => WrittenAs == Writing.Boxed ? typeof(object) : WrittenType;
    }

    private static readonly DateTime s_utc = new(2026, 3, 1, 12, 0, 0, 123, DateTimeKind.Utc);
    private static readonly DateTime s_local = new(2026, 3, 1, 12, 0, 0, 123, DateTimeKind.Local);
    private static readonly DateTime s_unspecified = new(2026, 3, 1, 12, 0, 0, 123, DateTimeKind.Unspecified);
    private static readonly DateTimeOffset s_offset = new(2026, 3, 1, 12, 0, 0, TimeSpan.FromHours(2));
    private static readonly DateTimeOffset s_negativeOffset = new(2026, 3, 1, 12, 0, 0, TimeSpan.FromHours(-5));
    private static readonly Guid s_guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    public static IReadOnlyList<Case> Cases { get; } =
    [
        Typed("int 100", "| `int` `100` (0 … 127) | positive fixint | `byte` `100` | equal |", 100, (byte)100),
        Typed("int 200", "| `int` `200` (128 … 255) | uint 8 | `byte` `200` | equal |", 200, (byte)200),
        Typed("int 60000", "| `int` `60000` (256 … 65 535) | uint 16 | `ushort` `60000` | equal |", 60_000, (ushort)60_000),
        Typed("int 100000", "| `int` `100000` (65 536 … 4 294 967 295) | uint 32 | `uint` `100000` | equal |", 100_000, 100_000u),
        Typed("long 5e9", "| `long` `5000000000` (above 4 294 967 295) | uint 64 | `ulong` `5000000000` | equal |", 5_000_000_000L, 5_000_000_000UL),
        Typed("ulong max", "| `long` `5000000000` (above 4 294 967 295) | uint 64 | `ulong` `5000000000` | equal |", ulong.MaxValue, ulong.MaxValue),
        Typed("int -5", "| `int` `-5` (−32 … −1) | negative fixint | `sbyte` `-5` | equal |", -5, (sbyte)-5),
        Typed("int -100", "| `int` `-100` (−128 … −33) | int 8 | `sbyte` `-100` | equal |", -100, (sbyte)-100),
        Typed("int -30000", "| `int` `-30000` (−32 768 … −129) | int 16 | `short` `-30000` | equal |", -30_000, (short)-30_000),
        Typed("int -100000", "| `int` `-100000` (−2 147 483 648 … −32 769) | int 32 | `int` `-100000` | equal |", -100_000, -100_000),
        Typed("long -5e9", "| `long` `-5000000000` (below −2 147 483 648) | int 64 | `long` `-5000000000` | equal |", -5_000_000_000L, -5_000_000_000L),
        Typed("byte 7", "| `byte`, `short`, `ushort`, `uint`, `long`, `ulong` `7` | positive fixint | `byte` `7` | equal |", (byte)7, (byte)7),
        Typed("short 7", "| `byte`, `short`, `ushort`, `uint`, `long`, `ulong` `7` | positive fixint | `byte` `7` | equal |", (short)7, (byte)7),
        Typed("ushort 7", "| `byte`, `short`, `ushort`, `uint`, `long`, `ulong` `7` | positive fixint | `byte` `7` | equal |", (ushort)7, (byte)7),
        Typed("uint 7", "| `byte`, `short`, `ushort`, `uint`, `long`, `ulong` `7` | positive fixint | `byte` `7` | equal |", 7u, (byte)7),
        Typed("long 7", "| `byte`, `short`, `ushort`, `uint`, `long`, `ulong` `7` | positive fixint | `byte` `7` | equal |", 7L, (byte)7),
        Typed("ulong 7", "| `byte`, `short`, `ushort`, `uint`, `long`, `ulong` `7` | positive fixint | `byte` `7` | equal |", 7UL, (byte)7),
        Typed("sbyte -7", "| `sbyte`, `short`, `long` `-7` | negative fixint | `sbyte` `-7` | equal |", (sbyte)-7, (sbyte)-7),
        Typed("short -7", "| `sbyte`, `short`, `long` `-7` | negative fixint | `sbyte` `-7` | equal |", (short)-7, (sbyte)-7),
        Typed("long -7", "| `sbyte`, `short`, `long` `-7` | negative fixint | `sbyte` `-7` | equal |", -7L, (sbyte)-7),
        Boxed("int in object", "| `int` as `object` (any value) | int 32 | `int` | equal |", 100, 100),
        Boxed("long in object", "| `long` as `object` | int 64 | `long` | equal |", 7L, 7L),
        Boxed("short in object", "| `short` as `object` | int 16 | `short` | equal |", (short)7, (short)7),
        Boxed("sbyte in object", "| `sbyte` as `object` | int 8 | `sbyte` | equal |", (sbyte)-7, (sbyte)-7),
        Boxed("byte in object", "| `byte` as `object` | uint 8 | `byte` | equal |", (byte)7, (byte)7),
        Boxed("ushort in object", "| `ushort` as `object` | uint 16 | `ushort` | equal |", (ushort)7, (ushort)7),
        Boxed("uint in object", "| `uint` as `object` | uint 32 | `uint` | equal |", 7u, 7u),
        Boxed("ulong in object", "| `ulong` as `object` | uint 64 | `ulong` | equal |", 7UL, 7UL),
        Same("float", "| `float` `1.5f` | float 32 | `float` `1.5` | equal |", 1.5f, 1.5f),
        Same("double", "| `double` `0.1` (also `2.0`) | float 64 | `double` `0.1` | equal |", 0.1, 0.1),
        Same("double 2.0", "| `double` `0.1` (also `2.0`) | float 64 | `double` `0.1` | equal |", 2.0, 2.0),
        new("decimal", "| `decimal` `1.10m` | str `\"1.10\"` | **`string`** `\"1.10\"` | equal (`1.10m`, scale kept) |", typeof(decimal), 1.10m, "1.10", 1.10m),
        Same("DateTime Utc", "| `DateTime`, `Kind` `Utc` | timestamp (ext −1), 100 ns precision | `DateTime`, `Kind` `Utc`, equal | equal |", s_utc, s_utc),
        new("DateTime Local", "| `DateTime`, `Kind` `Local` | timestamp of `ToUniversalTime()` | **`DateTime`, `Kind` `Utc`**: same instant, UTC clock value (lossy) | the same as `object` (lossy); `ToLocalTime()` gives the original back |",
            typeof(DateTime), s_local, s_local.ToUniversalTime(), s_local.ToUniversalTime()),
        new("DateTime Unspecified", "| `DateTime`, `Kind` `Unspecified` | timestamp, the clock value taken as UTC | **`DateTime`, `Kind` `Utc`**, same clock value | the same as `object` |",
            typeof(DateTime), s_unspecified, DateTime.SpecifyKind(s_unspecified, DateTimeKind.Utc), DateTime.SpecifyKind(s_unspecified, DateTimeKind.Utc)),
        new("DateTimeOffset +02:00", "| `DateTimeOffset` `2026-03-01 12:00 +02:00` | array: [timestamp of the clock value `12:00` taken as UTC, offset in minutes] | **`object[]`** `{ DateTime 12:00 Kind Utc, (byte)120 }`: the `DateTime` is the clock value, not the instant | equal (same instant and offset) |",
            typeof(DateTimeOffset), s_offset, new object[] { new DateTime(s_offset.Ticks, DateTimeKind.Utc), (byte)120 }, s_offset),
        new("DateTimeOffset -05:00", "| `DateTimeOffset` `2026-03-01 12:00 -05:00` | the same | **`object[]`** `{ DateTime 12:00 Kind Utc, (short)-300 }` | equal |",
            typeof(DateTimeOffset), s_negativeOffset, new object[] { new DateTime(s_negativeOffset.Ticks, DateTimeKind.Utc), (short)-300 }, s_negativeOffset),
        new("Guid", "| `Guid` | str of 36 characters (`\"D\"` format) | **`string`** `\"0f8fad5b-d9cb-469f-a165-70867728950e\"` | equal |",
            typeof(Guid), s_guid, s_guid.ToString("D"), s_guid),
        Same("byte[]", "| `byte[]` | bin | `byte[]` | equal |", new byte[] { 0, 1, 255 }, new byte[] { 0, 1, 255 }),
        Same("string", "| `string` | str | `string` | equal |", "héllo", "héllo"),
        Same("bool", "| `bool` | true, false | `bool` | equal |", true, true),
        new("nil", "| `null` | nil | `null` | `null` |", typeof(string), null, null, null),
        new("nested map", "| `Dictionary<string, object>` | map | **`Dictionary<object, object>`** (keys `string`, values by this table) | `Dictionary<string, object>` (values by this table) |",
            typeof(Dictionary<string, object?>),
            new Dictionary<string, object?> { ["n"] = 1, ["s"] = "x", ["nil"] = null, ["inner"] = new Dictionary<string, object?> { ["d"] = 1.10m } },
            new Dictionary<object, object?> { ["n"] = 1, ["s"] = "x", ["nil"] = null, ["inner"] = new Dictionary<object, object?> { ["d"] = "1.10" } },
            new Dictionary<string, object?> { ["n"] = 1, ["s"] = "x", ["nil"] = null, ["inner"] = new Dictionary<object, object?> { ["d"] = "1.10" } }),
        new("list", "| `List<int>`, `int[]` | array | **`object[]`** (elements by this table) | equal |",
            typeof(List<int>), new List<int> { 1, 300, -1 }, new object[] { (byte)1, (ushort)300, (sbyte)-1 }, new List<int> { 1, 300, -1 }, Writing.Typed),
        new("object list", "| `List<object>` | array | **`object[]`** (elements by this table) | `List<object>` (elements by this table) |",
            typeof(List<object?>), new List<object?> { "a", null, new List<object?> { 2.0 } }, new object?[] { "a", null, new object?[] { 2.0 } }, new List<object?> { "a", null, new object?[] { 2.0 } }),
        new("TimeSpan", "| `TimeSpan` `1 s` | integer: its ticks | **`uint`** `10000000` | equal |", typeof(TimeSpan), TimeSpan.FromSeconds(1), 10_000_000u, TimeSpan.FromSeconds(1)),
        new("enum", "| enum `DayOfWeek.Friday` with its type | integer: its value, smallest format | **`byte`** `5` | equal |", typeof(DayOfWeek), DayOfWeek.Friday, (byte)5, DayOfWeek.Friday, Writing.Typed),
        new("enum in object", "| enum `DayOfWeek.Friday` as `object` | int 32 (the enum's underlying type) | **`int`** `5` | equal |", typeof(DayOfWeek), DayOfWeek.Friday, 5, DayOfWeek.Friday, Writing.Boxed),
        new("char", "| `char` `'x'` | integer: its UTF-16 code | **`byte`** `120` | equal |", typeof(char), 'x', (byte)120, 'x'),
    ];

    /// <summary>The lines of <c>src/Client/README.md</c>, where the mapping is documented.</summary>
    public static string[] ReadmeLines { get; } = File.ReadAllLines(FindReadme());

    /// <summary>
    /// Asserts that <paramref name="actual"/> is <paramref name="expected"/> with the same CLR type at every level
    /// (a <c>DateTime</c> also with the same <c>Kind</c>), so that an <c>int</c> never passes for a <c>byte</c>.
    /// </summary>
    public static void AssertSame(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }

        Assert.True(expected.GetType() == actual.GetType(), $"{path}: expected {Show(expected)}, got {Show(actual)}");
        switch (expected)
        {
            case byte[] bytes:
                Assert.Equal(bytes, (byte[])actual);
                break;
            case IDictionary map:
                var actualMap = (IDictionary)actual;
                Assert.True(map.Count == actualMap.Count, $"{path}: expected {map.Count} entries, got {actualMap.Count}");
                foreach (DictionaryEntry entry in map)
                {
                    Assert.True(actualMap.Contains(entry.Key), $"{path}: key '{entry.Key}' missing");
                    AssertSame(entry.Value, actualMap[entry.Key], $"{path}[{entry.Key}]");
                }

                break;
            case IList list:
                var actualList = (IList)actual;
                Assert.True(list.Count == actualList.Count, $"{path}: expected {list.Count} elements, got {actualList.Count}");
                for (var i = 0; i < list.Count; i++)
                {
                    AssertSame(list[i], actualList[i], $"{path}[{i}]");
                }

                break;
            case DateTime time:
                var actualTime = (DateTime)actual;
                Assert.True(time.Ticks == actualTime.Ticks && time.Kind == actualTime.Kind, $"{path}: expected {time:O} ({time.Kind}), got {actualTime:O} ({actualTime.Kind})");
                break;
            case DateTimeOffset offset:
                var actualOffset = (DateTimeOffset)actual;
                Assert.True(offset.Ticks == actualOffset.Ticks && offset.Offset == actualOffset.Offset, $"{path}: expected {offset:O}, got {actualOffset:O}");
                break;
            default:
                Assert.True(expected.Equals(actual), $"{path}: expected {Show(expected)}, got {Show(actual)}");
                break;
        }
    }

    private static string FindReadme()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var readme = Path.Combine(dir.FullName, "src", "Client", "README.md");
            if (File.Exists(Path.Combine(dir.FullName, "Statehouse.Queue.sln")) && File.Exists(readme))
            {
                return readme;
            }
        }

        throw new FileNotFoundException($"src/Client/README.md not found above {AppContext.BaseDirectory}: run the tests from the repository's build output.");
    }

    private static Case Same(string name, string readmeLine, object written, object asObject) =>
        new(name, readmeLine, written.GetType(), written, asObject, written);

    private static Case Typed(string name, string readmeLine, object written, object asObject) =>
        new(name, readmeLine, written.GetType(), written, asObject, written, Writing.Typed);

    private static Case Boxed(string name, string readmeLine, object written, object asObject) =>
        new(name, readmeLine, written.GetType(), written, asObject, written, Writing.Boxed);

    private static string Show(object? value) => value is null ? "null" : $"{value.GetType().Name} {value}";
}
