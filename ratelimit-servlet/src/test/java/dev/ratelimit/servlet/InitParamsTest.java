package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code web.xml} init-params read without a container. (The rules, addresses and problem
 * details behind them are tested in {@code ratelimit-http}, where they live.)
 */
class InitParamsTest {

    @Test
    void theForwardedHeaderInitParam_isOneOfTwo() {
        for (String value : List.of("x-forwarded-for", "Forwarded", " forwarded ")) {
            assertThat(initialised(value)).as(value).isNull();
        }
        assertThat(initialised("x-real-ip"))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("'forwarded-header' is x-forwarded-for or forwarded");
    }

    /** The exception init() throws with the given forwarded-header init-param, or null. */
    private static Exception initialised(String forwardedHeader) {
        Map<String, String> params = Map.of("rules", "GET /a = 1/1s", "forwarded-header", forwardedHeader);
        FilterConfig config = new FilterConfig() {
            @Override
            public String getFilterName() {
                return "test";
            }

            @Override
            public ServletContext getServletContext() {
                return null;
            }

            @Override
            public String getInitParameter(String name) {
                return params.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(params.keySet());
            }
        };
        RateLimitFilter filter = new RateLimitFilter();
        try {
            filter.init(config);
            return null;
        } catch (ServletException e) {
            return e;
        } finally {
            filter.destroy();
        }
    }
}
