package dev.umbra.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.PromptRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client against a real broker and a prompts topic no worker reads: what it does when answers do not come, and
 * with answers a test writes on its reply topic by hand.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientWithoutWorkerTest {

    @Test
    void noReplyFailsWithAReplyTimeoutAfterTheRequestsTimeout() throws Exception {
        TestCluster.Topics t = TestCluster.topics("timeout");
        try (UmbraClient client = TestCluster.client(t).build()) {
            long start = System.nanoTime();
            CompletableFuture<ImageResult> f = client.generate(UmbraClient.newRequest("a cat").setRequestId("t-1")
                    .build(), Duration.ofMillis(700));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            ReplyTimeoutException timeout = assertInstanceOf(ReplyTimeoutException.class, e.getCause());
            assertEquals("t-1", timeout.requestId());
            assertEquals(Duration.ofMillis(700), timeout.timeout());
            assertTrue(tookMs >= 700 && tookMs < 5000, tookMs + " ms");
            assertEquals(0, client.outstanding());
            assertEquals(1, client.stats().timedOut());

            // What went out: the client's reply topic, and a deadline at the timeout (the worker drops it then).
            PromptRequest sent = TestCluster.CODEC.decodePromptRequest(
                    TestCluster.readAll(t.prompts(), Duration.ofMillis(500)).get(0).value());
            assertEquals(client.replyTopic(), sent.getReplyTopic());
            assertEquals(null, sent.getReplyPartition());
            assertEquals(700, sent.getDeadline().toEpochMilli() - sent.getCreatedAt().toEpochMilli(), 50);
            assertTrue(client.replyTopic().startsWith("umbra.replies.umbra-client-"), client.replyTopic());
        }
    }

    @Test
    void aCancelledRequestFreesItsSlotAndItsLateReplyIsIgnored() throws Exception {
        TestCluster.Topics t = TestCluster.topics("cancel");
        try (UmbraClient client = TestCluster.client(t).build()) {
            CompletableFuture<ImageResult> f = client.generate(UmbraClient.newRequest("a dog").setRequestId("c-1")
                    .build());
            assertEquals(1, client.outstanding());
            assertTrue(f.cancel(true));
            assertEquals(0, client.outstanding());
            assertEquals(1, client.stats().cancelled());

            TestCluster.publish(client.replyTopic(), Replies.ok("c-1"));
            TestCluster.await(() -> client.stats().lateReplies() == 1, Duration.ofSeconds(10),
                    () -> client.stats().toString());
            assertTrue(f.isCancelled());
            assertEquals(0, client.stats().answered());
        }
    }

    @Test
    void duplicateUnknownAndUnreadableRepliesAreIgnoredAndCounted() throws Exception {
        TestCluster.Topics t = TestCluster.topics("dups");
        try (UmbraClient client = TestCluster.client(t).build()) {
            CompletableFuture<ImageResult> f = client.generate(UmbraClient.newRequest("a fox").setRequestId("d-1")
                    .build());
            ImageResult first = Replies.ok("d-1");
            TestCluster.publish(client.replyTopic(), first);
            ImageResult got = f.get(10, TimeUnit.SECONDS);
            assertEquals(first, got);
            TestCluster.publish(client.replyTopic(), Replies.ok("d-1"));   // redelivered after a worker restart
            TestCluster.publish(client.replyTopic(), Replies.ok("someone-else"));
            TestCluster.publishRaw(client.replyTopic(), "{\"json\": true}".getBytes());
            TestCluster.await(() -> client.stats().duplicateReplies() == 1 && client.stats().unknownReplies() == 1
                    && client.stats().undecodableReplies() == 1, Duration.ofSeconds(10),
                    () -> client.stats().toString());
            assertSame(got, f.join());
            assertEquals(1, client.stats().answered());
        }
    }

    @Test
    void atMaxOutstandingGenerateBlocksUntilASlotFreesThenFails() throws Exception {
        TestCluster.Topics t = TestCluster.topics("backpressure");
        try (UmbraClient client = TestCluster.client(t).maxOutstanding(2).maxBlock(Duration.ofMillis(500)).build()) {
            CompletableFuture<ImageResult> a = client.generate(UmbraClient.newRequest("a").setRequestId("b-1").build());
            CompletableFuture<ImageResult> b = client.generate(UmbraClient.newRequest("b").setRequestId("b-2").build());
            assertEquals(2, client.outstanding());

            long start = System.nanoTime();
            CompletableFuture<ImageResult> c = client.generate("c");
            long blockedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(blockedMs >= 500 && blockedMs < 5000, "blocked " + blockedMs + " ms");
            TooManyOutstandingException e = assertInstanceOf(TooManyOutstandingException.class,
                    assertThrows(ExecutionException.class, c::get).getCause());
            assertTrue(e.getMessage().contains("2 requests outstanding"), e.getMessage());
            assertEquals(2, client.outstanding());
            assertEquals(2, client.stats().sent(), "the refused request was not sent");

            // A caller blocked in generate goes on as soon as an answer frees a slot.
            CompletableFuture<CompletableFuture<ImageResult>> blocked = CompletableFuture.supplyAsync(
                    () -> client.generate(UmbraClient.newRequest("d").setRequestId("b-4").build(),
                            Duration.ofSeconds(30)));
            Thread.sleep(150);
            assertFalse(blocked.isDone(), "waits for a slot");
            TestCluster.publish(client.replyTopic(), Replies.ok("b-1"));
            CompletableFuture<ImageResult> d = blocked.get(5, TimeUnit.SECONDS);
            assertEquals("b-1", a.get(5, TimeUnit.SECONDS).getRequestId());
            assertFalse(d.isDone());
            assertEquals(2, client.outstanding());
            assertFalse(b.isDone());
        }
    }

    @Test
    void closeFailsWhatIsPendingAndDeletesTheTopicItMade() throws Exception {
        TestCluster.Topics t = TestCluster.topics("close");
        UmbraClient client = TestCluster.client(t).build();
        String topic = client.replyTopic();
        assertTrue(TestCluster.topicExists(topic));
        CompletableFuture<ImageResult> f = client.generate(UmbraClient.newRequest("x").setRequestId("x-1").build());
        client.close();
        assertTrue(f.isDone(), "failed before close returns");
        ClientClosedException e = assertInstanceOf(ClientClosedException.class,
                assertThrows(ExecutionException.class, f::get).getCause());
        assertEquals("x-1", e.requestId());
        assertInstanceOf(ClientClosedException.class, assertThrows(ExecutionException.class,
                () -> client.generate("after close").get()).getCause());
        TestCluster.await(() -> !TestCluster.topicExists(topic), Duration.ofSeconds(10), () -> topic + " still there");
        client.close();   // twice is fine
    }

    @Test
    void anExistingSharedTopicIsReadOnlyAtTheClientsOwnPartition() throws Exception {
        TestCluster.Topics t = TestCluster.topics("shared");
        String shared = "umbra.replies.shared-" + System.nanoTime();
        TestCluster.createTopic(shared, 3);
        try (UmbraClient client = TestCluster.client(t).replyTopic(shared).replyPartition(1).createReplyTopic(false)
                .build()) {
            CompletableFuture<ImageResult> mine = client.generate(UmbraClient.newRequest("mine").setRequestId("s-1")
                    .build());
            PromptRequest sent = TestCluster.CODEC.decodePromptRequest(
                    TestCluster.readAll(t.prompts(), Duration.ofMillis(500)).get(0).value());
            assertEquals(shared, sent.getReplyTopic());
            assertEquals(1, sent.getReplyPartition());
            TestCluster.publish(shared, 0, Replies.ok("s-1"));   // another client's partition: never read
            TestCluster.publish(shared, 2, Replies.ok("s-1"));
            Thread.sleep(500);
            assertFalse(mine.isDone());
            assertEquals(0, client.stats().unknownReplies());
            TestCluster.publish(shared, 1, Replies.ok("s-1"));
            assertEquals("s-1", mine.get(10, TimeUnit.SECONDS).getRequestId());
            assertThrows(IllegalArgumentException.class, () -> client.generate(UmbraClient.newRequest("elsewhere")
                    .setReplyTopic("umbra.replies.other").build()));
        }
        assertTrue(TestCluster.topicExists(shared), "not ours: never deleted");
        UmbraException missing = assertThrows(UmbraException.class, () -> TestCluster.client(t)
                .replyTopic("umbra.replies.missing-" + System.nanoTime()).createReplyTopic(false)
                .startTimeout(Duration.ofSeconds(2)).build());
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        UmbraException noPartition = assertThrows(UmbraException.class, () -> TestCluster.client(t)
                .replyTopic(shared).replyPartition(5).createReplyTopic(false).build());
        assertTrue(noPartition.getMessage().contains("has 3 partition(s), no partition 5"), noPartition.getMessage());
    }

    @Test
    void aBatchFailsOnItsFirstErrorAndCancelsTheRest() throws Exception {
        TestCluster.Topics t = TestCluster.topics("batch");
        try (UmbraClient client = TestCluster.client(t).build()) {
            CompletableFuture<List<ImageResult>> all = client.generateAll(List.of(
                    UmbraClient.newRequest("one").setRequestId("g-1").build(),
                    UmbraClient.newRequest("two").setRequestId("g-2").build(),
                    UmbraClient.newRequest("three").setRequestId("g-3").build()));
            assertEquals(3, client.outstanding());
            TestCluster.publish(client.replyTopic(), Replies.ok("g-1"));
            TestCluster.publish(client.replyTopic(), Replies.of("g-2", dev.umbra.schemas.Status.FAILED,
                    "INFERENCE_FAILED", "boom"));
            FailedException e = assertInstanceOf(FailedException.class,
                    assertThrows(ExecutionException.class, () -> all.get(10, TimeUnit.SECONDS)).getCause());
            assertEquals("g-2", e.requestId());
            TestCluster.await(() -> client.outstanding() == 0, Duration.ofSeconds(5), () -> "g-3 still outstanding");
            assertEquals(1, client.stats().cancelled());
        }
    }
}
