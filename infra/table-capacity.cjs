// @ts-check
// The table's on-demand maximum throughput (OnDemandThroughput), from the stage parameters
// tableMaxReadRequestUnits / tableMaxWriteRequestUnits, each request units per second; unset by default, so
// unbounded: the admission settings in front of the table (route throttles, reserved concurrency, the web ACL)
// already bound what reaches it, and a maximum under that would turn a legitimate peak into throttled
// requests (503s) for every operation. docs/operations.md "Capacity and throttles" gives the units a load needs.
'use strict';

async function units(resolveVariable, name) {
  const value = await resolveVariable(`param:${name}, null`);
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`infra/table-capacity.cjs: param ${name} must be a positive integer (request units per second)`);
  return n;
}

async function tableCapacity({ resolveVariable }) {
  const OnDemandThroughput = {};
  const read = await units(resolveVariable, 'tableMaxReadRequestUnits');
  const write = await units(resolveVariable, 'tableMaxWriteRequestUnits');
  if (read) OnDemandThroughput.MaxReadRequestUnits = read;
  if (write) OnDemandThroughput.MaxWriteRequestUnits = write;
  if (!read && !write) return {};
  return { extensions: { VerigateTable: { Properties: { OnDemandThroughput } } } };
}

module.exports = tableCapacity;
