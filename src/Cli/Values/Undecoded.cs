namespace Statehouse.Cli.Values;

/// <summary>
/// The type the CLI reads values as: nothing is decoded into .NET objects (any MessagePack value, ext types included,
/// reads fine); the stored bytes come from <c>StateResult.RawValue</c> and are shown as JSON.
/// </summary>
internal readonly record struct Undecoded;
