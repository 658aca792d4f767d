package dev.umbra.batch;

import java.util.List;

/**
 * A batch handed to a {@link BatchProcessor}.
 *
 * @param sequence       1 for the first batch of a batcher, then 2, 3, ...
 * @param items          the items in arrival order
 * @param rows           the sum of their rows
 * @param startedAtNanos {@link System#nanoTime()} when the batch was formed, just before it is processed
 */
public record Batch<T>(long sequence, List<BatchItem<T>> items, int rows, long startedAtNanos) {

    public Batch {
        items = List.copyOf(items);
        int sum = items.stream().mapToInt(BatchItem::rows).sum();
        if (items.isEmpty() || sum != rows) {
            throw new IllegalArgumentException(
                    "a batch needs at least one item and rows equal to their sum (got " + items.size()
                            + " items weighing " + sum + ", rows " + rows + ")");
        }
    }
}
