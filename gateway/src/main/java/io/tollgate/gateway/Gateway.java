package io.tollgate.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tollgate.gateway.admin.AdminHandler;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.contracts.ContractFollower;
import io.tollgate.gateway.feedback.FeedbackSink;
import io.tollgate.gateway.feedback.Spool;
import io.tollgate.gateway.http.GatewayContext;
import io.tollgate.gateway.http.Metrics;
import io.tollgate.gateway.http.ProxyPipeline;
import io.tollgate.gateway.identity.Authenticator;
import io.tollgate.gateway.limits.RedisCounters;
import io.tollgate.gateway.limits.SharedCounterStore;
import io.tollgate.policy.InMemoryCounterStore;
import io.tollgate.policy.spi.CounterStore;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway process: the public listener (HTTP or HTTPS, mutual TLS optional), the admin
 * listener, the contract follower, the feedback sink and the counters. {@link #start} returns once
 * both listeners are bound and the contracts present at start are read.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig config;
  private final Metrics metrics = new Metrics();
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private EventLoopGroup adminLoop;
  private ContractFollower contracts;
  private FeedbackSink feedback;
  private Authenticator authenticator;
  private KafkaProducer<byte[], byte[]> adminProducer;
  private Channel server;
  private Channel admin;
  private CounterStore sharedCounters;
  private RedisCounters redis;
  private SharedCounterStore ownShared;

  /** The Redis-backed store of shared limits, or null. */
  public SharedCounterStore sharedStore() {
    return ownShared;
  }

  public Gateway(GatewayConfig config) {
    this.config = config;
  }

  /** A store for contracts whose limits are shared by replicas (Redis); null: in process. */
  public Gateway sharedCounters(CounterStore store) {
    this.sharedCounters = store;
    return this;
  }

  public Gateway start(Duration readyTimeout) throws Exception {
    if (config.kafkaBootstrap() == null) {
      throw new IllegalArgumentException(
          "kafka.bootstrap is required: contracts and feedback travel on Kafka");
    }
    contracts = new ContractFollower(config.kafkaBootstrap(), config.id()).start();
    feedback =
        new FeedbackSink(
                config.kafkaBootstrap(),
                "tollgate-gateway-" + config.id(),
                new Spool(config.spool().dir(), config.spool().maxBytes()),
                config.spool().bufferEvents())
            .start();
    authenticator = new Authenticator(config.participants());
    metrics.gauge("tollgate.gateway.spool.bytes", feedback::spoolBytes);
    metrics.gauge("tollgate.gateway.feedback.buffered", feedback::buffered);
    metrics.gauge("tollgate.gateway.kafka.up", () -> feedback.kafkaUp() ? 1 : 0);
    metrics.gauge("tollgate.gateway.contracts", () -> contracts.engine().size());
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    adminProducer = new KafkaProducer<>(p);

    CounterStore local = new InMemoryCounterStore();
    if (config.redisUri() != null && sharedCounters == null) {
      redis = new RedisCounters(config.redisUri(), Duration.ofMillis(200), "shared");
      SharedCounterStore shared =
          new SharedCounterStore(redis, config.redisLeaseCalls(), config.redisReplicas());
      sharedCounters = shared;
      ownShared = shared;
      metrics.gauge("tollgate.gateway.redis.fallback", () -> shared.fallback() ? 1 : 0);
      metrics.gauge("tollgate.gateway.redis.calls", shared::redisCalls);
      metrics.gauge("tollgate.gateway.redis.fallback.calls", shared::fallbackCalls);
    }
    GatewayContext ctx =
        new GatewayContext(
            config,
            authenticator,
            contracts,
            local,
            sharedCounters,
            feedback,
            metrics,
            System::currentTimeMillis);

    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tollgate-accept"), io);
    workers =
        new MultiThreadIoEventLoopGroup(
            config.limits().ioThreads(), new DefaultThreadFactory("tollgate-io"), io);
    Class<? extends io.netty.channel.ServerChannel> serverClass =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    SslContext ssl = sslContext();
    server =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(serverClass)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ProxyPipeline(ctx, ssl))
            .bind(config.listen())
            .sync()
            .channel();
    // its own loop: the admin's Kafka writes never stall a public one
    adminLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tollgate-admin"), io);
    admin =
        new ServerBootstrap()
            .group(adminLoop)
            .channel(serverClass)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS))
                        .addLast(new HttpServerCodec(4096, 8192, 65536))
                        .addLast(new HttpObjectAggregator(4 << 20))
                        .addLast(
                            new AdminHandler(
                                config, contracts, feedback, metrics, adminProducer, ownShared));
                  }
                })
            .bind(config.adminListen())
            .sync()
            .channel();
    LOG.info(
        "gateway {} listening on {} ({}), admin on {}",
        config.id(),
        port(),
        ssl == null ? "http" : "https",
        adminPort());
    if (!contracts.awaitReady(readyTimeout)) {
      LOG.warn("contracts not read within {}; /ready says so until they are", readyTimeout);
    }
    return this;
  }

  private SslContext sslContext() throws Exception {
    GatewayConfig.Tls t = config.tls();
    if (t == null) {
      return null;
    }
    SslContextBuilder b = SslContextBuilder.forServer(t.certificate().toFile(), t.key().toFile());
    if (t.clientCa() != null) {
      b.trustManager(t.clientCa().toFile());
    }
    b.clientAuth(
        switch (t.clientAuth()) {
          case NONE -> ClientAuth.NONE;
          case OPTIONAL -> ClientAuth.OPTIONAL;
          case REQUIRE -> ClientAuth.REQUIRE;
        });
    return b.build();
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public int adminPort() {
    return ((InetSocketAddress) admin.localAddress()).getPort();
  }

  public Metrics metrics() {
    return metrics;
  }

  public ContractFollower contracts() {
    return contracts;
  }

  public FeedbackSink feedback() {
    return feedback;
  }

  @Override
  public void close() throws Exception {
    if (server != null) {
      server.close().sync();
    }
    if (admin != null) {
      admin.close().sync();
    }
    if (workers != null) {
      workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
      boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
      adminLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
    }
    if (ownShared != null) {
      ownShared.releaseAll();
    }
    if (redis != null) {
      redis.close();
    }
    if (feedback != null) {
      feedback.close(Duration.ofSeconds(10));
    }
    if (contracts != null) {
      contracts.close();
    }
    if (adminProducer != null) {
      adminProducer.close(Duration.ofSeconds(2));
    }
    if (authenticator != null) {
      authenticator.close();
    }
  }
}
