package dev.umbra.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.umbra.kafka.DecodeConfig;
import dev.umbra.kafka.KafkaTestKit;
import dev.umbra.kafka.WorkerConfig;
import dev.umbra.kafka.WorkerProcess;
import dev.umbra.kafka.broker.EmbeddedKafkaBroker;
import dev.umbra.model.RuntimeOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The gallery page in a real browser: Debian's headless Chromium, driven by Selenium through Debian's ChromeDriver,
 * against a worker on the embedded default model (pictures from the shapes decoder) and the embedded broker. It
 * submits a prompt through the page's form and waits for its pictures, sees a request that came from elsewhere on
 * the topic appear too, and saves a screenshot (target/gallery.png; docs/operations/gallery.png is one).
 *
 * <p>CI installs Chromium (.ci/run); elsewhere the test runs when /usr/bin/chromium and /usr/bin/chromedriver exist
 * (Debian: apt-get install chromium chromium-driver) and is skipped, saying so, when they do not.
 */
class GalleryBrowserTest {

    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    @Test
    void aPromptSubmittedFromThePageComesBackWithItsPictures(@TempDir Path tmp) throws Exception {
        boolean browser = CHROMIUM.canExecute() && CHROMEDRIVER.canExecute();
        assumeTrue(browser || System.getenv("CI") != null,
                "no Chromium here (apt-get install chromium chromium-driver): the browser test does not run");
        assertTrue(browser, "CI must have /usr/bin/chromium and /usr/bin/chromedriver (.ci/run installs them)");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            KafkaTestKit kit = new KafkaTestKit(broker.bootstrapServers());
            KafkaTestKit.Topics topics = kit.createTopics("gallery", 2);
            WorkerConfig config = topics.config(kit.bootstrapServers()).workerId("gallery-worker").build();
            DecodeConfig pictures = new DecodeConfig(DecodeConfig.defaults().decoder(), DecodeConfig.defaults().stage(),
                    tmp.resolve("images"));
            try (OpsServer ops = OpsServer.start(new HttpOptions("127.0.0.1", 0), config);
                 WorkerProcess process = WorkerProcess.start(config, pictures, null, RuntimeOptions.defaults())) {
                ops.bind(process);
                ChromeDriver driver = chromium(tmp.resolve("chromium-profile"));
                try {
                    exercise(driver, "http://127.0.0.1:" + ops.port() + "/", kit, topics);
                } catch (RuntimeException | AssertionError e) {
                    Files.writeString(Path.of("target", "gallery-failure.html"), driver.getPageSource());
                    throw e;
                } finally {
                    driver.quit();
                }
            }
        }
    }

    private static void exercise(ChromeDriver driver, String url, KafkaTestKit kit, KafkaTestKit.Topics topics)
            throws Exception {
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(90));
        driver.get(url);
        wait.until(d -> d.findElement(By.id("connection")).getText().equals("live"));

        driver.findElement(By.id("prompt")).sendKeys("a red circle above a blue square");
        WebElement images = driver.findElement(By.id("images"));
        images.clear();
        images.sendKeys("2");
        driver.findElement(By.id("submit")).click();
        // The page marks the card of what it sent (the status line may already say "answered" by the time we look).
        wait.until(d -> !d.findElements(By.cssSelector("article.result.mine")).isEmpty());
        String requestId = driver.findElement(By.cssSelector("article.result.mine")).getAttribute("data-request-id");
        assertTrue(requestId.startsWith("gallery-"), requestId);

        By card = By.cssSelector("article.result[data-request-id='" + requestId + "']");
        wait.until(d -> d.findElements(card).size() == 1 && loadedPictures(driver, card) == 2);
        WebElement mine = driver.findElement(card);
        assertEquals("a red circle above a blue square", mine.findElement(By.cssSelector(".prompt")).getText());
        assertEquals("OK", mine.findElement(By.cssSelector(".status")).getText());
        assertTrue(mine.findElement(By.cssSelector(".timings")).getText().contains("gallery-worker"));
        assertTrue(mine.findElement(By.cssSelector(".diversity")).getText().startsWith("diversity "));
        wait.until(d -> d.findElement(By.id("submit-status")).getText().equals("answered " + requestId + ": OK"));

        // A request from anyone else on the topic shows up as well: the page follows the topic, not its own sends.
        kit.produce(List.of(KafkaTestKit.record(topics.prompts(),
                KafkaTestKit.request("from-elsewhere", "a green triangle").setNumImages(1).build())));
        By other = By.cssSelector("article.result[data-request-id='from-elsewhere']");
        wait.until(d -> d.findElements(other).size() == 1 && loadedPictures(driver, other) == 1);
        assertEquals("a green triangle", driver.findElement(other).findElement(By.cssSelector(".prompt")).getText());
        assertTrue(!driver.findElement(other).getAttribute("class").contains("mine"));

        Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target", "gallery.png");
        Files.createDirectories(target.getParent());
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(target) > 10_000, "a screenshot of the page");
    }

    /** Pictures of a card that the browser has fetched and decoded. */
    private static long loadedPictures(ChromeDriver driver, By card) {
        Object n = ((JavascriptExecutor) driver).executeScript(
                "return [...arguments[0].querySelectorAll('img')].filter(i => i.complete && i.naturalWidth > 0).length",
                driver.findElement(card));
        return ((Number) n).longValue();
    }

    private static ChromeDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        // Headless, and nothing that would reach past loopback (this machine's network is closed).
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--window-size=1200,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort().withEnvironment(Map.of("SE_AVOID_STATS", "true")).build();
        return new ChromeDriver(service, options);
    }
}
