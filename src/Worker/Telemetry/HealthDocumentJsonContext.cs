using System.Text.Json.Serialization;

namespace Statehouse.Worker.Telemetry;

/// <summary>Serializes <see cref="HealthDocument"/> without reflection, in snake_case like the rest of the wire names.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HealthDocument))]
internal sealed partial class HealthDocumentJsonContext : JsonSerializerContext;
