using System.CommandLine.Invocation;
using System.Globalization;
using Statehouse.Bench.Cli;

// Figures in the table, the JSON and the report are written the same way on every machine.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var parse = BenchCommands.Build().Parse(args);
var exitCode = await parse.InvokeAsync();

// Usage errors exit with 2, as in the repository's other tools (System.CommandLine's own is 1).
return parse.Action is ParseErrorAction ? 2 : exitCode;
