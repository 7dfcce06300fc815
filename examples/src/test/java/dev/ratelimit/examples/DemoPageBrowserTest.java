package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo page in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code .ci/run} installs): generate a thread, watch the quota drop, meet the 429 message. Skipped,
 * and says so, on a machine without them.
 */
class DemoPageBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    private static final Path DRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));

    @TempDir
    Path profile;

    private ThreadrDemo demo;
    private WebDriver browser;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "needs " + CHROMIUM + " and " + DRIVER + " (apt-get install chromium chromium-driver)");
        demo = ThreadrDemo.start(Map.of("PORT", "0", "GENERATE_LIMIT", "2/1h"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void generateAThread_seeTheQuotaDrop_thenTheLimitMessage() {
        browser.get("http://localhost:" + demo.port() + "/");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(10));
        String article = "Rate limits protect expensive endpoints. " + "Every word counts in a thread. ".repeat(12);
        browser.findElement(By.id("text")).sendKeys(article);

        browser.findElement(By.id("generate")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#posts li"), 2));
        assertThat(browser.findElements(By.cssSelector("#posts li")).get(0).getText())
                .startsWith("1/2 Rate limits protect expensive endpoints.");
        wait.until(ExpectedConditions.textMatches(By.id("quota"),
                java.util.regex.Pattern.compile("1 generation left; the full quota is back in \\d+ minutes?")));

        browser.findElement(By.id("generate")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("quota"), "0 generations left"));

        browser.findElement(By.id("generate")).click();
        wait.until(ExpectedConditions.textMatches(By.id("generate-message"),
                java.util.regex.Pattern.compile("Limit reached\\. Try again in \\d+ minutes?\\.")));
        assertThat(browser.findElement(By.id("generate-message")).getAttribute("class")).isEqualTo("error");

        browser.findElement(By.id("email")).sendKeys("reader@example.com");
        browser.findElement(By.id("capture")).click();
        wait.until(ExpectedConditions.textToBe(By.id("email-message"), "Thanks! You are on the list."));
    }
}
