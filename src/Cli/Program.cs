using Statehouse.Cli;

return await CliApplication.RunAsync(args);
