using System.Runtime.CompilerServices;

// The wire codec is tested directly against captured liblsl traffic.
[assembly: InternalsVisibleTo("Pipeline.Tests")]
