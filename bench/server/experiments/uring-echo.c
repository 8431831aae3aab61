// An experiment, not part of the bench (docs/performance.md, "The machine's floor"): server CPU per echoed message over
// raw TCP on 127.0.0.1, with
//   MODE 0: epoll and one recv and one send per message (readiness, as ws101 and bench/server/floor.c do);
//   MODE 1: epoll, then each wake-up's receives and then its sends submitted as two io_uring batches;
//   MODE 2: io_uring alone, completion-based: every connection keeps a receive in the ring, each completion queues the
//           send and the next receive, and one io_uring_enter per loop iteration submits them and waits;
//   MODE 4: epoll, with each wake-up's receives first and then its sends, as plain system calls (the sends "corked" to
//           the end of the loop iteration, so that they reach the client in one burst);
//   MODE 3: as 2 with multishot receives into a provided-buffer ring (the kernel picks the buffer; one receive armed for
//           the connection's life).
//   MODE 5: receives as in 3, each echo sent at once with a plain send() from the provided buffer (completion-based
//           receives, readiness-style sends: what a server could adopt keeping its send path).
// FLAGS (modes 2-3): 0 none, 1 IORING_SETUP_COOP_TASKRUN, 2 IORING_SETUP_SINGLE_ISSUER|IORING_SETUP_DEFER_TASKRUN.
// Needs liburing (Debian: liburing-dev).
//   gcc -O2 -o uring-echo uring-echo.c -luring -lpthread
//   taskset -c 0 ./uring-echo PORT CONNS MODE SECONDS [FLAGS] &    # server: 2 s warm-up, then SECONDS measured
//   taskset -c 1 ./uring-echo -c PORT CONNS SIZE SECONDS           # client: CONNS connections, one SIZE message each in flight
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <time.h>
#include <liburing.h>

static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static double cpu(void){struct rusage r;getrusage(RUSAGE_SELF,&r);return r.ru_utime.tv_sec+r.ru_utime.tv_usec/1e6+r.ru_stime.tv_sec+r.ru_stime.tv_usec/1e6;}
static void* idle(void*a){(void)a;for(;;)pause();return 0;}
#define MAXC 4096
static char bufs[MAXC][65536];
static char sbufs[MAXC][65536];   // modes 2-3: what a send carries, while the next receive fills bufs
#define POOL 1024
static char pool[POOL][4096];     // mode 3: the provided buffers

static double measured_cpu;

// Modes 2-3: no epoll. Returns the messages echoed in the measured SECONDS (after 2 s of warm-up); sets measured_cpu.
static long completions(int mode,int flags,int conns,int*fds,int secs,long*enters){
  struct io_uring ring; struct io_uring_params p={0};
  if(flags==1)p.flags=IORING_SETUP_COOP_TASKRUN;
  if(flags==2)p.flags=IORING_SETUP_SINGLE_ISSUER|IORING_SETUP_DEFER_TASKRUN;
  if(io_uring_queue_init_params(2048,&ring,&p)){perror("io_uring_queue_init_params");exit(1);}
  struct io_uring_buf_ring*br=0;
  if(mode==3||mode==5){
    void*mem=0; if(posix_memalign(&mem,4096,POOL*sizeof(struct io_uring_buf))){perror("posix_memalign");exit(1);}
    br=mem; io_uring_buf_ring_init(br);
    struct io_uring_buf_reg reg={.ring_addr=(unsigned long)br,.ring_entries=POOL,.bgid=1};
    if(io_uring_register_buf_ring(&ring,&reg,0)){perror("io_uring_register_buf_ring");exit(1);}
    for(int b=0;b<POOL;b++) io_uring_buf_ring_add(br,pool[b],4096,b,io_uring_buf_ring_mask(POOL),b);
    io_uring_buf_ring_advance(br,POOL);
  }
  // user_data: connection << 1, low bit set for a send (whose success posts nothing: IOSQE_CQE_SKIP_SUCCESS).
  #define ARM(i) do{ struct io_uring_sqe*q=io_uring_get_sqe(&ring); \
    if(mode==2) io_uring_prep_recv(q,fds[i],bufs[i],65536,0); \
    else { io_uring_prep_recv_multishot(q,fds[i],NULL,0,0); q->flags|=IOSQE_BUFFER_SELECT; q->buf_group=1; } \
    q->user_data=(unsigned long)(i)<<1; }while(0)
  for(int i=0;i<conns;i++) ARM(i);
  long n=0; double t0=0,c0=0,start=now(); int warm=1;
  for(;;){
    double tn=now();
    if(warm&&tn-start>2){warm=0;t0=tn;c0=cpu();n=0;*enters=0;}
    if(!warm&&tn-t0>secs)break;
    struct __kernel_timespec ts={0,100000000}; struct io_uring_cqe*c;
    io_uring_submit_and_wait_timeout(&ring,&c,1,&ts,NULL); (*enters)++;
    unsigned head; int seen=0, returned=0;
    io_uring_for_each_cqe(&ring,head,c){
      seen++; unsigned long u=c->user_data; int i=u>>1; int r=c->res;
      if(u&1) continue;                               // a failed send: the connection's next receive sees it
      if(r<=0){ if(r==-ENOBUFS) ARM(i); continue; }    // closed, failed, or out of provided buffers
      if(mode==5){ int bid=c->flags>>IORING_CQE_BUFFER_SHIFT; send(fds[i],pool[bid],r,MSG_DONTWAIT|MSG_NOSIGNAL); n++;
             io_uring_buf_ring_add(br,pool[bid],4096,bid,io_uring_buf_ring_mask(POOL),returned++);
             if(!(c->flags&IORING_CQE_F_MORE)) ARM(i);
             continue; }
      if(mode==2){ memcpy(sbufs[i],bufs[i],r); }
      else { int bid=c->flags>>IORING_CQE_BUFFER_SHIFT; memcpy(sbufs[i],pool[bid],r);
             io_uring_buf_ring_add(br,pool[bid],4096,bid,io_uring_buf_ring_mask(POOL),returned++); }
      struct io_uring_sqe*q=io_uring_get_sqe(&ring); io_uring_prep_send(q,fds[i],sbufs[i],r,MSG_NOSIGNAL);
      q->user_data=((unsigned long)i<<1)|1; q->flags|=IOSQE_CQE_SKIP_SUCCESS; n++;
      if(mode==2 || !(c->flags&IORING_CQE_F_MORE)) ARM(i);
    }
    io_uring_cq_advance(&ring,seen); if(returned) io_uring_buf_ring_advance(br,returned);
  }
  measured_cpu=cpu()-c0;
  return n;
  #undef ARM
}

int main(int argc,char**argv){
  int client = argc>1 && !strcmp(argv[1],"-c");
  if(client){argv++;}
  int port=atoi(argv[1]), conns=atoi(argv[2]); int a3=atoi(argv[3]); int secs=atoi(argv[4]);
  struct sockaddr_in sa={0}; sa.sin_family=AF_INET; sa.sin_port=htons(port); sa.sin_addr.s_addr=htonl(0x7f000001);
  int one=1;
  int *fds=calloc(conns,sizeof(int));
  if(client){
    int size=a3; char msg[65536]; memset(msg,'x',size);
    int ep=epoll_create1(0);
    for(int i=0;i<conns;i++){fds[i]=socket(AF_INET,SOCK_STREAM,0);setsockopt(fds[i],IPPROTO_TCP,TCP_NODELAY,&one,4);
      if(connect(fds[i],(void*)&sa,sizeof sa)){perror("connect");return 1;}
      struct epoll_event e={.events=EPOLLIN,.data.u32=i};epoll_ctl(ep,EPOLL_CTL_ADD,fds[i],&e);}
    int *got=calloc(conns,sizeof(int));
    for(int i=0;i<conns;i++) send(fds[i],msg,size,0);
    long n=0; double end=now()+secs; struct epoll_event ev[256];
    while(now()<end){int k=epoll_wait(ep,ev,256,100);for(int j=0;j<k;j++){int i=ev[j].data.u32;int r=recv(fds[i],bufs[i],65536,MSG_DONTWAIT);if(r<=0)continue;got[i]+=r;while(got[i]>=size){got[i]-=size;n++;send(fds[i],msg,size,0);}}}
    printf("client %ld msgs\n",n);return 0;
  }
  int mode=a3, flags=argc>5?atoi(argv[5]):0;
  pthread_t t; pthread_create(&t,0,idle,0);
  int l=socket(AF_INET,SOCK_STREAM,0);setsockopt(l,SOL_SOCKET,SO_REUSEADDR,&one,4);setsockopt(l,IPPROTO_TCP,TCP_NODELAY,&one,4);
  if(bind(l,(void*)&sa,sizeof sa)||listen(l,1024)){perror("bind");return 1;}
  int ep=epoll_create1(0);
  for(int i=0;i<conns;i++){fds[i]=accept4(l,0,0,0);struct epoll_event e={.events=EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET,.data.u32=i};epoll_ctl(ep,EPOLL_CTL_ADD,fds[i],&e);}
  struct io_uring ring; if(mode==1){ if(io_uring_queue_init(512,&ring,0)){perror("uring");return 1;} }
  struct epoll_event ev[256]; long n=0, waits=0, enters=0; double t0=0,c0=0; double start=now(); int warm=1;
  if(mode==2||mode==3||mode==5){ n=completions(mode,flags,conns,fds,secs,&enters); waits=0; c0=0; goto done; }
  while(1){
    double tn=now();
    if(warm && tn-start>2){warm=0;t0=tn;c0=cpu();n=0;waits=0;enters=0;}
    if(!warm && tn-t0>secs)break;
    int k=epoll_wait(ep,ev,256,100); waits++;
    if(mode==0){
      for(int j=0;j<k;j++){int i=ev[j].data.u32; if(!(ev[j].events&EPOLLIN))continue; int r=recv(fds[i],bufs[i],65536,MSG_DONTWAIT); if(r>0){send(fds[i],bufs[i],r,MSG_DONTWAIT|MSG_NOSIGNAL);n++;}}
    } else if(mode==4){
      int idx[256], len[256], m=0;
      for(int j=0;j<k;j++){int i=ev[j].data.u32; if(!(ev[j].events&EPOLLIN))continue; int r=recv(fds[i],bufs[i],65536,MSG_DONTWAIT); if(r>0){idx[m]=i;len[m]=r;m++;}}
      for(int j=0;j<m;j++){send(fds[idx[j]],bufs[idx[j]],len[j],MSG_DONTWAIT|MSG_NOSIGNAL);n++;}
    } else {
      int q=0;
      for(int j=0;j<k;j++){int i=ev[j].data.u32; if(!(ev[j].events&EPOLLIN))continue; struct io_uring_sqe*s=io_uring_get_sqe(&ring); io_uring_prep_recv(s,fds[i],bufs[i],65536,MSG_DONTWAIT); s->user_data=i; q++;}
      if(!q)continue;
      io_uring_submit_and_wait(&ring,q); enters++;
      struct io_uring_cqe*c; unsigned head; int sends=0; int idx[256]; int res[256]; int m=0;
      io_uring_for_each_cqe(&ring,head,c){idx[m]=c->user_data;res[m]=c->res;m++;}
      io_uring_cq_advance(&ring,m);
      for(int j=0;j<m;j++){ if(res[j]>0){struct io_uring_sqe*s=io_uring_get_sqe(&ring); io_uring_prep_send(s,fds[idx[j]],bufs[idx[j]],res[j],MSG_DONTWAIT|MSG_NOSIGNAL); s->user_data=idx[j]; sends++; n++;} }
      if(sends){io_uring_submit_and_wait(&ring,sends); enters++; unsigned h2; int m2=0; io_uring_for_each_cqe(&ring,h2,c){m2++;} io_uring_cq_advance(&ring,m2);}
    }
  }
  done:;
  double c=(mode==2||mode==3||mode==5) ? measured_cpu : cpu()-c0;
  printf("mode %d: %ld msgs in %d s, %.0f msgs/s, server CPU %.2f us/msg, %.3f epoll_wait/msg, %.3f io_uring_enter/msg\n",mode,n,secs,n/(double)secs,c*1e6/n,waits/(double)n,enters/(double)n);
  return 0;
}
