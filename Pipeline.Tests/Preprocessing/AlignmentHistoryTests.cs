using CsCheck;
using Pipeline.Core.Preprocessing;

namespace Pipeline.Tests.Preprocessing;

public class AlignmentHistoryTests
{
    [Fact]
    public void Finds_the_matrix_of_the_last_window_ending_at_or_before_a_time_as_a_linear_search_would()
    {
        Gen.Select(Gen.Int[1, 6], Gen.Int[0, 30].Array[0, 40], Gen.Int[-2, 40]).Sample((capacity, steps, query) =>
        {
            var history = new AlignmentHistory(1, capacity);
            var times = new List<double>();
            double t = 0;
            foreach (var s in steps)
            {
                t += s; // end times never fall; equal times are allowed
                times.Add(t);
                history.Record(t, [times.Count]);
            }
            var held = times.Select((time, i) => (time, value: i + 1.0)).TakeLast(capacity).ToList();
            var found = history.TryFind(query, out var m);
            var expected = held.LastOrDefault(h => h.time <= query);
            Assert.Equal(expected != default, found);
            if (found) Assert.Equal(expected.value, m[0]);
            else if (held.Count > 0) Assert.Equal(held[0].value, m[0]);
            else Assert.True(m.IsEmpty);
        }, iter: 500);
    }
}
