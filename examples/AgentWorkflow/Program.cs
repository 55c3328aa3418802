using System.CommandLine.Invocation;
using Statehouse.Examples.AgentWorkflow;

var parse = WorkflowArguments.CreateCommand(Environment.GetEnvironmentVariable, arguments => WorkflowRun.RunAsync(arguments, Console.In, Console.Out, Console.Error)).Parse(args);
var exitCode = await parse.InvokeAsync();
return parse.Action is ParseErrorAction ? ExitCodes.Usage : exitCode;
