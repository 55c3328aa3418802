using System.CommandLine.Invocation;
using Statehouse.Demo;

var parse = DemoArguments.CreateCommand(arguments => DemoRun.RunAsync(arguments, Console.Out, Console.Error)).Parse(args);
var exitCode = await parse.InvokeAsync();
return parse.Action is ParseErrorAction ? DemoArguments.UsageExitCode : exitCode;
