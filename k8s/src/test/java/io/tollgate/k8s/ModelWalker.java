package io.tollgate.k8s;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Walks a deserialized model object (fabric8 or Strimzi) beside the JSON it was read from and
 * reports every field the model did not know. Both model families keep unknown fields in an {@code
 * additionalProperties} map instead of failing, so a misspelled field would pass a plain
 * deserialization: here any non-empty {@code additionalProperties}, anywhere in the graph, is a
 * problem named by its JSON path ({@code $.spec.template.spec.containers[0].imagePullPolicyy}).
 *
 * <p>Maps that are maps in the model ({@code labels}, {@code data}, a KafkaTopic's {@code config})
 * hold arbitrary keys by design: their values are walked, their keys are not judged.
 */
final class ModelWalker {
  /** Checks a subclass adds for each property of a model bean (Strimzi's versioned fields). */
  interface PropertyCheck {
    void check(
        Class<?> beanClass,
        BeanPropertyDefinition property,
        JsonNode beanJson,
        String path,
        List<String> problems);
  }

  private final ObjectMapper mapper;
  private final PropertyCheck propertyCheck;
  private final Map<Class<?>, List<BeanPropertyDefinition>> properties = new ConcurrentHashMap<>();

  ModelWalker(ObjectMapper mapper, PropertyCheck propertyCheck) {
    this.mapper = mapper;
    this.propertyCheck = propertyCheck;
  }

  /** Problems as {@code path: message}, the path rooted at {@code path}. */
  void walk(Object value, JsonNode json, String path, List<String> problems) {
    if (value == null || json == null || json.isNull() || isLeaf(value)) {
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = String.valueOf(e.getKey());
        walk(e.getValue(), json.get(key), path + "." + key, problems);
      }
      return;
    }
    if (value instanceof Collection<?> list) {
      int i = 0;
      for (Object item : list) {
        walk(item, json.get(i), path + "[" + i + "]", problems);
        i++;
      }
      return;
    }
    Class<?> c = value.getClass();
    if (!isModel(c)) {
      return;
    }
    Map<?, ?> unknown = additionalProperties(value);
    if (unknown != null) {
      for (Object key : unknown.keySet()) {
        problems.add(
            path
                + "."
                + key
                + ": unknown field (not in "
                + c.getSimpleName()
                + "; "
                + c.getSimpleName()
                + " has "
                + names(c)
                + ")");
      }
    }
    for (BeanPropertyDefinition p : properties(c)) {
      if (propertyCheck != null) {
        propertyCheck.check(c, p, json, path + "." + p.getName(), problems);
      }
      AnnotatedMember accessor = p.getAccessor();
      if (accessor == null) {
        continue;
      }
      Object child;
      try {
        accessor.fixAccess(true);
        child = accessor.getValue(value);
      } catch (RuntimeException e) {
        problems.add(path + "." + p.getName() + ": cannot read " + c.getSimpleName() + ": " + e);
        continue;
      }
      walk(child, json.get(p.getName()), path + "." + p.getName(), problems);
    }
  }

  private List<BeanPropertyDefinition> properties(Class<?> c) {
    return properties.computeIfAbsent(
        c,
        k -> {
          BeanDescription d = mapper.getSerializationConfig().introspect(mapper.constructType(k));
          return d.findProperties().stream()
              .filter(p -> !p.getName().equals("additionalProperties"))
              .toList();
        });
  }

  private String names(Class<?> c) {
    return properties(c).stream().map(BeanPropertyDefinition::getName).sorted().toList().toString();
  }

  private static boolean isModel(Class<?> c) {
    String n = c.getName();
    return n.startsWith("io.fabric8.") || n.startsWith("io.strimzi.");
  }

  private static boolean isLeaf(Object v) {
    return v instanceof CharSequence
        || v instanceof Number
        || v instanceof Boolean
        || v instanceof Enum<?>
        || v instanceof Character
        || v.getClass().isPrimitive()
        || v.getClass().isArray()
        || v instanceof JsonNode;
  }

  private static Map<?, ?> additionalProperties(Object o) {
    try {
      Method m = o.getClass().getMethod("getAdditionalProperties");
      Object r = m.invoke(o);
      return r instanceof Map<?, ?> map ? map : null;
    } catch (NoSuchMethodException e) {
      return null;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
