import { PublishCommand, SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { messageText, type ChannelAdapter, type CodeMessage } from './notifier.js';

/** The sms channel in AWS: Amazon SNS Publish to the number, as a transactional SMS. */
export function snsSmsAdapter(settings: SNSClientConfig, senderId: string | undefined): ChannelAdapter {
  let sns: SNSClient | undefined;
  return async (m: CodeMessage, callOptions) => {
    sns ??= new SNSClient(settings);
    await sns.send(
      new PublishCommand({
        PhoneNumber: m.to,
        Message: messageText(m).body,
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
          ...(senderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: senderId } } : {}),
        },
      }),
      callOptions,
    );
  };
}
