import { randomBytes } from 'node:crypto';

/**
 * Event texts beyond DynamoDB's 400 KB item limit. `chineseApproval` is what a long approval form
 * looks like (Chinese text, which gzip shrinks to about half); `incompressible` defeats compression,
 * so it also needs more than one item after compression.
 */
export function chineseApproval(eventId: string, minBytes = 460_000): string {
  const phrases = ['申请人因项目需要出差', '预算明细如下', '审批意见：同意', '请财务部门核对发票', '备注'];
  const random = randomBytes(minBytes);
  const parts: string[] = [];
  // Random CJK characters mixed with phrases: 3 UTF-8 bytes each, not trivially compressible.
  for (let i = 0, bytes = 0; bytes < minBytes; i++) {
    const part =
      i % 50 === 0
        ? phrases[i % phrases.length]!
        : String.fromCodePoint(0x4e00 + ((random[i]! << 6) % 0x5000));
    parts.push(part);
    bytes += Buffer.byteLength(part, 'utf8');
  }
  const text = parts.join('');
  return JSON.stringify({
    EventType: 'bpms_task_change',
    eventId,
    processInstanceId: `pi-${eventId}`,
    taskId: 'TASK_ID',
    type: 'comment',
    remark: text,
  }).replace('"TASK_ID"', '90071992547409931'); // a 64-bit JSON number, as DingTalk sends task ids
}

export function incompressible(eventId: string, bytes = 700_000): string {
  return JSON.stringify({
    EventType: 'attachment_upload',
    eventId,
    blob: randomBytes((bytes * 3) / 4).toString('base64'),
  });
}
