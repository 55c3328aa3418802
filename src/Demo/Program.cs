using Statehouse.Demo;

if (!DemoArguments.TryParse(args, Environment.GetEnvironmentVariable, out var arguments, out var error))
{
    var help = error == DemoArguments.Usage;
    await (help ? Console.Out : Console.Error).WriteLineAsync(error);
    return help ? 0 : 2;
}

return await DemoRun.RunAsync(arguments, Console.Out, Console.Error);
