// An experiment, not part of the bench (docs/performance.md, "The machine's floor"). Build and run:
//   gcc -O2 -o syscall-cost syscall-cost.c -luring -lpthread && taskset -c 0 ./syscall-cost   (Debian: liburing-dev)
// Cost of a system call's entry and exit on this machine: getppid (nothing inside) and recv on an empty socket (EAGAIN,
// with the socket's file looked up), in a process with a second thread (as every .NET process has), and io_uring_enter
// carrying 64 such recvs at once.
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
#include <pthread.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <liburing.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static void* idle(void*a){(void)a;for(;;)pause();return 0;}
int main(void){
  pthread_t t; pthread_create(&t,0,idle,0);
  int sv[2]; socketpair(AF_UNIX,SOCK_STREAM,0,sv);
  int N=3000000; char b[64];
  double t0=now();
  for(int i=0;i<N;i++) syscall(SYS_getppid);
  double t1=now();
  for(int i=0;i<N;i++) recv(sv[0],b,64,MSG_DONTWAIT);
  double t2=now();
  struct io_uring r; io_uring_queue_init(128,&r,0);
  int B=64, M=N/B;
  double t3=now();
  for(int i=0;i<M;i++){ for(int j=0;j<B;j++){struct io_uring_sqe*s=io_uring_get_sqe(&r); io_uring_prep_recv(s,sv[0],b,64,MSG_DONTWAIT);} io_uring_submit_and_wait(&r,B); struct io_uring_cqe*c; unsigned h; int k=0; io_uring_for_each_cqe(&r,h,c){k++;} io_uring_cq_advance(&r,k);}
  double t4=now();
  printf("getppid %.0f ns, recv EAGAIN %.0f ns, recv EAGAIN in io_uring batches of %d: %.0f ns each\n",(t1-t0)/N*1e9,(t2-t1)/N*1e9,B,(t4-t3)/(M*B)*1e9);
  return 0;
}
