// A recording through the demo model to commands, with the libraries alone (no pipeline CLI):
//   dotnet run --project examples/ReplayCommands -- [recording.xdf] [model.onnx] [commands.jsonl]
// Its commands are those of `pipeline replay recordings/demo-mi.xdf --model models/dbconformer-demo.onnx --fast`.
using System.Reactive.Linq;
using Pipeline.Core.Decisions;
using Pipeline.Core.Inference;
using Pipeline.Core.Operators;
using Pipeline.Core.Preprocessing;
using Pipeline.Core.Signals;
using Pipeline.Sinks.Files;
using Pipeline.Sources.Replay;

using var recording = Recording.Open(args.ElementAtOrDefault(0) ?? "recordings/demo-mi.xdf");
using var model = ModelRunner.Load(args.ElementAtOrDefault(1) ?? "models/dbconformer-demo.onnx");
using var sink = new JsonLinesSink(args.ElementAtOrDefault(2) ?? "commands.jsonl");

var count = await new ReplaySource(recording, new ReplayOptions { Fast = true })   // as fast as possible
    .Chunks()                                                                      // the signal, 40 ms chunks
    .Preprocess(model.Card)                                                        // the card's channels, notch, band-pass
    .SlidingWindows(SlidingWindowOptions.ForModel(model.Card, hopSeconds: 0.25))   // 4 s windows every 0.25 s
    .Align(model.Card)                                                             // Euclidean alignment, as trained
    .Classify(model)                                                               // ONNX Runtime: class probabilities
    .Decide(model.Card)                                                            // smoothing, threshold, refractory
    .Do(sink)                                                                      // every command into the sink
    .Count();
Console.WriteLine($"{count} commands");
