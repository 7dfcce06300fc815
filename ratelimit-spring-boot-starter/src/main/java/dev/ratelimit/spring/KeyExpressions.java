package dev.ratelimit.spring;

import java.lang.reflect.Method;
import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/** The {@link RateLimited} annotations of handler methods and their parsed key expressions, cached. */
final class KeyExpressions {

    private static final Object NONE = new Object();

    private final SpelExpressionParser parser = new SpelExpressionParser();
    private final Map<Method, Object> annotations = new ConcurrentHashMap<>();
    private final Map<String, Expression> expressions = new ConcurrentHashMap<>();

    /** The annotation on {@code method}, else on its class, or null. */
    @Nullable
    RateLimited annotation(Method method, Class<?> beanType) {
        Object found = annotations.computeIfAbsent(method, m -> {
            RateLimited a = AnnotatedElementUtils.findMergedAnnotation(m, RateLimited.class);
            if (a == null) {
                a = AnnotatedElementUtils.findMergedAnnotation(beanType, RateLimited.class);
            }
            return a == null ? NONE : a;
        });
        return found instanceof RateLimited a ? a : null;
    }

    /**
     * Parses the key expression now, so that a malformed one stops start-up.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    void check(RateLimited annotation) {
        if (!annotation.key().isBlank()) {
            expression(annotation.key());
        }
    }

    private Expression expression(String text) {
        return expressions.computeIfAbsent(text, t -> {
            try {
                return parser.parseExpression(t);
            } catch (ParseException e) {
                throw new IllegalArgumentException(
                        "the key \"" + t + "\" is not a SpEL expression: " + e.getMessage(), e);
            }
        });
    }

    /**
     * The key a request counts against: the expression's value, or {@code ip} when there is no
     * expression or its value is null or blank.
     */
    String key(
            RateLimited annotation,
            String ip,
            @Nullable String principal,
            Function<String, @Nullable String> header,
            Map<String, String> pathVariables,
            Object request) {
        if (annotation.key().isBlank()) {
            return ip;
        }
        EvaluationContext context = SimpleEvaluationContext.forReadOnlyDataBinding()
                .withInstanceMethods()
                .build();
        context.setVariable("ip", ip);
        context.setVariable("principal", principal);
        context.setVariable("headers", new Headers(header));
        context.setVariable("pathVariables", pathVariables);
        pathVariables.forEach(context::setVariable);
        context.setVariable("request", request);
        Object value;
        try {
            value = expression(annotation.key()).getValue(context);
        } catch (EvaluationException e) {
            throw new IllegalStateException(
                    "@RateLimited(policy = \"" + annotation.policy() + "\"): the key \"" + annotation.key()
                            + "\" cannot be evaluated: " + e.getMessage(),
                    e);
        }
        String key = value == null ? null : value.toString().strip();
        return key == null || key.isEmpty() ? ip : key;
    }

    /** A request's headers as a read-only map from name to first value, for {@code #headers['X-Api-Key']}. */
    private static final class Headers extends AbstractMap<String, @Nullable String> {
        private final Function<String, @Nullable String> header;

        Headers(Function<String, @Nullable String> header) {
            this.header = header;
        }

        @Override
        public @Nullable String get(Object name) {
            return name instanceof String s ? header.apply(s) : null;
        }

        @Override
        public boolean containsKey(Object name) {
            return get(name) != null;
        }

        @Override
        public Set<Entry<String, @Nullable String>> entrySet() {
            throw new UnsupportedOperationException("headers are looked up by name: #headers['X-Api-Key']");
        }
    }
}
