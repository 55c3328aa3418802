using Statehouse.Soak;
using Statehouse.Soak.Load;

if (args.Length > 0 && args[0] == ClientArguments.Verb)
{
    return await ClientRun.MainAsync(args[1..], Console.Out, Console.Error);
}

if (!SoakArguments.TryParse(args, Environment.GetEnvironmentVariable, out var arguments, out var error))
{
    var help = error == SoakArguments.Usage;
    await (help ? Console.Out : Console.Error).WriteLineAsync(error);
    return help ? 0 : 2;
}

return await SoakRun.MainAsync(arguments, Console.Out, Console.Error);
