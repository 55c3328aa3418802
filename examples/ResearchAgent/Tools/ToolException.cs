namespace Statehouse.Examples.ResearchAgent.Tools;

/// <summary>A tool could not handle its input; the message says why, in words meant for the console.</summary>
internal sealed class ToolException(string message) : Exception(message);
