using System.Globalization;
using Statehouse.Bench.Cli;

// Figures in the table, the JSON and the report are written the same way on every machine.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return await BenchCommands.Build().Parse(args).InvokeAsync();
