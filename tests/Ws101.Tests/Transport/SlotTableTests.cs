using Ws101.Transport;

namespace Ws101.Tests.Transport;

/// <summary>The table that holds one reference per connection for the event loop and the server (SlotTable).</summary>
public class SlotTableTests
{
    private sealed class Item(int n)
    {
        public int N { get; } = n;
    }

    [Fact]
    public void an_item_added_is_found_under_its_slot_until_removed()
    {
        var table = new SlotTable<Item>();
        var a = new Item(1);
        int slot = table.Add(a);
        Assert.Same(a, table[slot]);
        Assert.Equal(1, table.Count);
        Assert.True(table.Remove(slot, a));
        Assert.Null(table[slot]);
        Assert.True(table.IsEmpty);
    }

    [Fact]
    public void a_slot_freed_is_handed_out_again_so_the_table_stays_as_large_as_its_most_items_at_once()
    {
        var table = new SlotTable<Item>();
        var a = new Item(1);
        int first = table.Add(a);
        table.Remove(first, a);
        Assert.Equal(first, table.Add(new Item(2)));
    }

    [Fact]
    public void removing_with_an_item_the_slot_no_longer_holds_changes_nothing()
    {
        var table = new SlotTable<Item>();
        var old = new Item(1);
        int slot = table.Add(old);
        table.Remove(slot, old);
        var now = new Item(2);
        Assert.Equal(slot, table.Add(now));
        Assert.False(table.Remove(slot, old));
        Assert.Same(now, table[slot]);
        Assert.False(table.Remove(-1, now));
        Assert.False(table.Remove(1 << 20, now));
        Assert.Null(table[1 << 20]);
        Assert.Null(table[-1]);
    }

    [Fact]
    public void a_walk_yields_every_item_held_across_many_chunks_and_none_removed()
    {
        var table = new SlotTable<Item>();
        var items = Enumerable.Range(0, SlotTable<Item>.ChunkSize * 5 + 3).Select(n => new Item(n)).ToList();
        var slots = items.Select(table.Add).ToList();
        for (int i = 0; i < items.Count; i += 2)
        {
            Assert.True(table.Remove(slots[i], items[i]));
        }
        var walked = new List<int>();
        foreach (var item in table)
        {
            walked.Add(item.N);
        }
        Assert.Equal(items.Where(i => i.N % 2 == 1).Select(i => i.N), walked);
        Assert.Equal(walked.Count, table.Count);
        Assert.Equal(walked, table.ToList().Select(i => i.N));
    }

    [Fact]
    public async Task readers_without_the_lock_see_every_item_added_while_writers_add_and_remove_on_other_threads()
    {
        var table = new SlotTable<Item>();
        var kept = new Item(-1);
        int keptSlot = table.Add(kept);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            for (int round = 0; round < 20 && !stop.IsCancellationRequested; round++)
            {
                var mine = Enumerable.Range(0, 3000).Select(n => new Item(n)).ToList();
                var slots = mine.Select(table.Add).ToList();
                for (int i = 0; i < mine.Count; i++)
                {
                    Assert.Same(mine[i], table[slots[i]]);
                    Assert.True(table.Remove(slots[i], mine[i]));
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        while (!Task.WhenAll(writers).IsCompleted)
        {
            Assert.Same(kept, table[keptSlot]);
            Assert.Contains(kept, table.ToList());
        }
        await Task.WhenAll(writers);
        Assert.Equal(1, table.Count);
    }
}
