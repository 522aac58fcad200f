// The cluster's error codes join `TaskgraphError#code` once a program imports the package.
import { TaskgraphError, type TaskgraphErrorCode, type TaskgraphErrorCodes } from '@taskgraph/core'
import { expectTypeOf, test } from 'vitest'
import type { ClusterStoreError, ClusterUnreachableError } from '@taskgraph/cluster'

test('the cluster’s codes are among TaskgraphError#code', () => {
  expectTypeOf<'ERR_CLUSTER_UNREACHABLE'>().toMatchTypeOf<TaskgraphErrorCode>()
  expectTypeOf<TaskgraphErrorCodes['ERR_CLUSTER_STORE']>().toEqualTypeOf<ClusterStoreError>()
  const unreachable = (error: unknown): error is ClusterUnreachableError =>
    error instanceof TaskgraphError && error.code === 'ERR_CLUSTER_UNREACHABLE'
  expectTypeOf(unreachable).toBeFunction()
})
