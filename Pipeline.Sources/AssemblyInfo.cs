using System.Runtime.CompilerServices;

// The readers' header and event-table parsers are tested directly, without a file around them.
[assembly: InternalsVisibleTo("Pipeline.Tests")]
