/** The benchmark's typical event: a shape-B approval finish, ≈400 bytes with Chinese text. */
export const BENCH_OWNER_KEY = 'dingdevcorp';

export function approvalEvent(n: number): string {
  return JSON.stringify({
    EventType: 'bpms_instance_change',
    EventTime: 1663143335567 + n,
    CorpId: BENCH_OWNER_KEY,
    eventId: `bench-${n}-d8a1f3b2c07419aaebdba0318c9`,
    processInstanceId: `bench-${n}-9Qgx5QqjR7axMw`,
    processCode: 'PROC-FF6Y4BE1N2-4OYM3W1R2K6TZ4K9',
    title: '张三提交的出差申请（上海→北京）',
    type: 'finish',
    result: 'agree',
    staffId: 'manager4081',
    createTime: 1663143300000,
    finishTime: 1663143335000,
    remark: '同意，注意报销标准',
  });
}
