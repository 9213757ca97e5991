namespace Pipeline.Core.Monitoring;

/// <summary>
/// A bounded ring of items (commands, gaps, speech segments) written by one thread and read by others with their own
/// cursors, like <see cref="DisplayRing"/>: the writer never waits, a slow reader loses the oldest items.
/// </summary>
/// <typeparam name="T">The item; a reference to an immutable record, or a small struct.</typeparam>
public sealed class EventRing<T>
{
    private readonly T[] _items;
    private long _written;

    /// <summary>A ring that keeps the last <paramref name="capacity"/> items.</summary>
    public EventRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _items = new T[capacity];
    }

    /// <summary>Items kept.</summary>
    public int Capacity => _items.Length;
    /// <summary>Items written so far.</summary>
    public long Written => Volatile.Read(ref _written);

    /// <summary>Appends an item (writer thread only).</summary>
    public void Append(T item)
    {
        _items[_written % _items.Length] = item;
        Volatile.Write(ref _written, _written + 1);
    }

    /// <summary>Copies the items from <paramref name="cursor"/> on into <paramref name="destination"/> (the newest when more wait) and advances the cursor.</summary>
    public int Read(ref long cursor, Span<T> destination)
    {
        var end = Volatile.Read(ref _written);
        var start = Math.Max(0, Math.Max(cursor, Math.Max(end - Capacity + 1, end - destination.Length)));
        var n = (int)Math.Max(0, end - start);
        for (var i = 0; i < n; i++) destination[i] = _items[(start + i) % Capacity];
        Interlocked.MemoryBarrier();
        var valid = Volatile.Read(ref _written) - Capacity + 1;
        if (start < valid)
        {
            var skip = (int)Math.Min(n, valid - start);
            destination[skip..n].CopyTo(destination);
            n -= skip;
        }
        cursor = end;
        return n;
    }

    /// <summary>The items from <paramref name="cursor"/> on, as a new array (readers' convenience; allocates only when there are new items).</summary>
    public T[] ReadNew(ref long cursor)
    {
        var pending = Written - cursor;
        if (pending <= 0) return [];
        var buffer = new T[Math.Min(Capacity, pending)];
        var n = Read(ref cursor, buffer);
        return buffer[..n];
    }
}
