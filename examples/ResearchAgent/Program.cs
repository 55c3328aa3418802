using Statehouse.Examples.ResearchAgent;

if (!AgentArguments.TryParse(args, Environment.GetEnvironmentVariable, out var arguments, out var error))
{
    var help = error == AgentArguments.Usage;
    await (help ? Console.Out : Console.Error).WriteLineAsync(error);
    return help ? 0 : 2;
}

return await ResearchRun.RunAsync(arguments, Console.Out, Console.Error);
