// An experiment, not part of the bench (docs/performance.md, "The machine's floor"): server CPU per echoed message over
// raw TCP on 127.0.0.1, with epoll and one recv and one send per message (MODE 0) against epoll with each wake-up's
// receives, then its sends, submitted as two io_uring batches (MODE 1). Needs liburing (Debian: liburing-dev).
//   gcc -O2 -o uring-echo uring-echo.c -luring -lpthread
//   taskset -c 0 ./uring-echo PORT CONNS MODE SECONDS &            # server: 2 s warm-up, then SECONDS measured
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
  int mode=a3;
  pthread_t t; pthread_create(&t,0,idle,0);
  int l=socket(AF_INET,SOCK_STREAM,0);setsockopt(l,SOL_SOCKET,SO_REUSEADDR,&one,4);setsockopt(l,IPPROTO_TCP,TCP_NODELAY,&one,4);
  if(bind(l,(void*)&sa,sizeof sa)||listen(l,1024)){perror("bind");return 1;}
  int ep=epoll_create1(0);
  for(int i=0;i<conns;i++){fds[i]=accept4(l,0,0,0);struct epoll_event e={.events=EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET,.data.u32=i};epoll_ctl(ep,EPOLL_CTL_ADD,fds[i],&e);}
  struct io_uring ring; if(mode==1){ if(io_uring_queue_init(512,&ring,0)){perror("uring");return 1;} }
  struct epoll_event ev[256]; long n=0, waits=0, enters=0; double t0=0,c0=0; double start=now(); int warm=1;
  while(1){
    double tn=now();
    if(warm && tn-start>2){warm=0;t0=tn;c0=cpu();n=0;waits=0;enters=0;}
    if(!warm && tn-t0>secs)break;
    int k=epoll_wait(ep,ev,256,100); waits++;
    if(mode==0){
      for(int j=0;j<k;j++){int i=ev[j].data.u32; if(!(ev[j].events&EPOLLIN))continue; int r=recv(fds[i],bufs[i],65536,MSG_DONTWAIT); if(r>0){send(fds[i],bufs[i],r,MSG_DONTWAIT|MSG_NOSIGNAL);n++;}}
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
  double c=cpu()-c0;
  printf("mode %d: %ld msgs in %d s, %.0f msgs/s, server CPU %.2f us/msg, %.3f epoll_wait/msg, %.3f enter/msg\n",mode,n,secs,n/(double)secs,c*1e6/n,waits/(double)n,enters/(double)n);
  return 0;
}
