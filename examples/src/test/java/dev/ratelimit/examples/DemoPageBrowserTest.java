package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo page in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code .ci/run} installs): the quota on load, a thread, the button disabled at 0 with a
 * countdown, stale output cleared after a 429, and the words the page finds when the server is
 * gone. Each state is saved as a screenshot in {@code examples/target/}. Skipped, and says so, on
 * a machine without Chromium.
 */
class DemoPageBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    private static final Path DRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));
    private static final Path SCREENSHOTS = Path.of(System.getProperty("basedir", "."), "target");
    private static final String ARTICLE =
            "Rate limits protect expensive endpoints. " + "Every word counts in a thread. ".repeat(12);
    private static final Pattern COUNTDOWN = Pattern.compile("No generations left\\. Try again in (\\d+):(\\d\\d)\\.");

    @TempDir
    Path profile;

    private ThreadrDemo demo;
    private WebDriver browser;
    private WebDriverWait wait;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "needs " + CHROMIUM + " and " + DRIVER + " (apt-get install chromium chromium-driver)");
        demo = ThreadrDemo.start(Map.of("PORT", "0", "GENERATE_LIMIT", "2/1h"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1000,900",
                "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(10));
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

    /** The browser connects from 127.0.0.1, so the test's own requests there count against the same quota. */
    private String origin() {
        return "http://127.0.0.1:" + demo.port();
    }

    private WebElement element(String id) {
        return browser.findElement(By.id(id));
    }

    private void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        Files.copy(
                ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
                SCREENSHOTS.resolve(name),
                StandardCopyOption.REPLACE_EXISTING);
    }

    private int countdownSeconds() {
        Matcher m = COUNTDOWN.matcher(element("quota").getText());
        assertThat(m.matches())
                .as("a countdown, not \"%s\"", element("quota").getText())
                .isTrue();
        return Integer.parseInt(m.group(1)) * 60 + Integer.parseInt(m.group(2));
    }

    @Test
    void quotaOnLoad_aThread_thenTheButtonWaitsOutTheLimitWithACountdown() throws Exception {
        browser.get(origin() + "/");
        wait.until(ExpectedConditions.textToBe(By.id("quota"), "2 generations left"));
        assertThat(element("generate").isEnabled()).isTrue();
        List<LogEntry> problems = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
                .toList();
        assertThat(problems)
                .as("console errors on load (a missing favicon, a blocked script or style)")
                .isEmpty();
        element("text").sendKeys(ARTICLE);
        screenshot("threadr-1-quota-on-load.png");

        element("generate").click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#posts li"), 2));
        assertThat(browser.findElements(By.cssSelector("#posts li")).get(0).getText())
                .startsWith("1/2 Rate limits protect expensive endpoints.");
        assertThat(browser.findElement(By.cssSelector("#posts li")).getRect().getX())
                .as("the posts line up with the article box")
                .isEqualTo(element("text").getRect().getX());
        wait.until(ExpectedConditions.textMatches(
                By.id("quota"), Pattern.compile("1 generation left; the full quota is back in \\d+ minutes?")));
        screenshot("threadr-thread.png");

        // The last generation goes elsewhere (another tab, a script): the page still says 1 left.
        HttpResponse<String> elsewhere = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(origin() + "/api/generate"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"Hi.\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(elsewhere.statusCode()).isEqualTo(200);
        element("generate").click();
        wait.until(ExpectedConditions.textMatches(
                By.id("generate-message"), Pattern.compile("Limit reached\\. Try again in \\d+ minutes?\\.")));
        assertThat(element("generate-message").getAttribute("class")).isEqualTo("error");
        assertThat(browser.findElements(By.cssSelector("#posts li")))
                .as("the previous thread is gone")
                .isEmpty();
        assertThat(element("generate").isEnabled()).isFalse();
        int first = countdownSeconds();
        wait.until(ExpectedConditions.not(
                ExpectedConditions.textToBe(By.id("quota"), element("quota").getText())));
        assertThat(countdownSeconds()).as("the countdown runs").isLessThan(first);
        screenshot("threadr-2-limit-countdown.png");

        browser.navigate().refresh();
        wait.until(ExpectedConditions.textMatches(By.id("quota"), COUNTDOWN));
        assertThat(element("generate").isEnabled())
                .as("disabled from the start when nothing is left")
                .isFalse();

        element("capture").click();
        wait.until(ExpectedConditions.textToBe(By.id("email-message"), "Please enter your email address."));
        element("email").sendKeys("reader@example.com");
        element("capture").click();
        wait.until(ExpectedConditions.textToBe(By.id("email-message"), "Thanks! You are on the list."));
    }

    @Test
    void serverStopped_thePageSaysSoInWords() throws Exception {
        browser.get(origin() + "/");
        wait.until(ExpectedConditions.textToBe(By.id("quota"), "2 generations left"));
        element("text").sendKeys(ARTICLE);
        element("generate").click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#posts li"), 2));

        demo.close();
        demo = null;
        element("generate").click();
        wait.until(ExpectedConditions.textToBe(
                By.id("generate-message"), "Could not reach Threadr. Check your connection, then try again."));
        assertThat(browser.findElements(By.cssSelector("#posts li")))
                .as("the previous thread is gone")
                .isEmpty();
        assertThat(element("generate").isEnabled()).as("ready for another try").isTrue();
        element("email").sendKeys("reader@example.com");
        element("capture").click();
        wait.until(ExpectedConditions.textToBe(
                By.id("email-message"), "Could not reach Threadr. Check your connection, then try again."));
        screenshot("threadr-3-server-stopped.png");
    }
}
