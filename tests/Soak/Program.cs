using Statehouse.Soak;

return await SoakCommand.RunAsync(args);
