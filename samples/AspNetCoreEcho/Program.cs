// dotnet run --project samples/AspNetCoreEcho -- --urls http://127.0.0.1:5080
AspNetCoreEcho.EchoApp.Build(args).Run();
