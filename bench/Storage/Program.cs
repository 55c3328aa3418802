using Statehouse.Bench.Storage;

if (!BenchArguments.TryParse(args, out var arguments, out var error))
{
    var help = error == BenchArguments.Usage;
    (help ? Console.Out : Console.Error).WriteLine(error);
    return help ? 0 : 2;
}

return StorageBench.Run(arguments, Console.Out, Console.Error);
