using Microsoft.Extensions.Hosting;
using Statehouse.Worker.Hosting;

NativeHeap.LimitMallocArenas();
NativeHeap.MapLargeBlocks();
using var trim = NativeHeap.TrimPeriodically(TimeSpan.FromSeconds(10));

// Content root = the binary's folder, so appsettings.json is found from any working directory.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddCommitWorker();
using var host = builder.Build();
return await host.RunCommitWorkerAsync();
