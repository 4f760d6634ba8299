using System.CommandLine;
using Earnest.Cli;

return await Commands.RunAsync(args);
