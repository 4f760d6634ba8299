Console.WriteLine("Earnest benchmarks: see bench/README.md");
