using System.CommandLine.Invocation;
using Statehouse.Examples.ResearchAgent;

var parse = AgentArguments.CreateCommand(Environment.GetEnvironmentVariable, arguments => ResearchRun.RunAsync(arguments, Console.Out, Console.Error)).Parse(args);
var exitCode = await parse.InvokeAsync();
return parse.Action is ParseErrorAction ? AgentArguments.UsageExitCode : exitCode;
